using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>One listener of one of Konnect's Gateways, judged: whether routes may attach, which, and its conditions so far.</summary>
internal sealed record ListenerState(ObjectRef Gateway, Listener Listener, Func<string, bool> AdmitsNamespace)
{
    /// <summary>False for a protocol Konnect does not serve, or a listener in conflict: no route attaches.</summary>
    public bool Usable { get; init; }

    /// <summary>Route kinds that may attach (the supportedKinds of the listener's status).</summary>
    public IReadOnlyList<RouteGroupKind> Kinds { get; init; } = [];

    public bool IsHttps => Listener.Protocol == "HTTPS";

    /// <summary>Conditions in the order written: Accepted, Programmed, ResolvedRefs, Conflicted.</summary>
    public IReadOnlyList<Condition> Conditions { get; init; } = [];

    public bool Admits(string kind) => Kinds.Any(k => k.Kind == kind);
}
