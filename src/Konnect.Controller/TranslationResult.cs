using System.Text.Json.Serialization;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Controller.Translation.Policies;
using Konnect.Controller.Translation.Routes;
using Konnect.Controller.Translation.Tls;
using Konnect.Model;

namespace Konnect.Controller;

/// <summary>The translator's whole output: the model to serve and a status for every object it looked at.</summary>
public sealed record TranslationResult(GatewayModel Model, IReadOnlyList<ObjectStatus> Statuses)
{
    /// <summary>Every existing policy's last good blocks (compiled now, or carried over from the input map): the next
    /// pass's input to <see cref="Translator.Translate(ResourceSnapshot, IReadOnlyDictionary{ObjectRef, LastGoodPolicy})"/>.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<ObjectRef, LastGoodPolicy> LastGoodPolicies { get; init; } = new Dictionary<ObjectRef, LastGoodPolicy>();

    /// <summary>What each policy's rules enforce, so the endpoint fast path compiles routes exactly as this pass did.</summary>
    [JsonIgnore]
    internal IReadOnlyDictionary<ObjectRef, PolicyEnforcement> Policies { get; init; } = new Dictionary<ObjectRef, PolicyEnforcement>();

    /// <summary>The TLS inputs of this pass, so the endpoint fast path judges certificates as this pass did.</summary>
    [JsonIgnore]
    internal TlsTranslationOptions? TlsOptions { get; init; }

    /// <summary>This pass's compiled routes, for the next pass to reuse where nothing they depend on changed.</summary>
    [JsonIgnore]
    internal CandidateCache Candidates { get; init; } = CandidateCache.Empty;

    /// <summary>This pass's candidates oldest first, and its accepted matches in precedence order: the next pass merges
    /// its changed routes into these instead of sorting every route again (see <see cref="Routes.OrderUpdate"/>).</summary>
    [JsonIgnore]
    internal IReadOnlyList<RouteCandidate> CandidatesByAge { get; init; } = [];

    [JsonIgnore]
    internal IReadOnlyList<Precedence.Entry> MatchesByPrecedence { get; init; } = [];
}
