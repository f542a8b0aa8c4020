using System.Text.Json.Serialization;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;

namespace Konnect.Model;

/// <summary>The status of one object: its conditions and, for consumers, its subscriptions.</summary>
public sealed record ObjectStatus
{
    public required ObjectRef Object { get; init; }
    public long? Generation { get; init; }
    public required IReadOnlyList<Condition> Conditions { get; init; }
    public IReadOnlyList<SubscriptionStatus>? Subscriptions { get; init; }

    /// <summary>A Gateway's listeners, as its status.listeners reports them (Gateway API).</summary>
    public IReadOnlyList<Konnect.Api.GatewayApi.ListenerStatus>? Listeners { get; init; }

    /// <summary>An HTTPRoute's parents that are Konnect's Gateways, as its status.parents reports them (Gateway API).</summary>
    public IReadOnlyList<Konnect.Api.GatewayApi.RouteParentStatus>? Parents { get; init; }

    /// <summary>A KonnectPolicy's Gateways by targetRefs, as its status.ancestors reports them (Gateway API policy attachment).</summary>
    public IReadOnlyList<PolicyAncestorStatus>? Ancestors { get; init; }

    /// <summary>The same conditions, subscriptions and ancestors (generation aside).</summary>
    public bool SameContent(ObjectStatus other) =>
        Conditions.SequenceEqual(other.Conditions) && (Subscriptions ?? []).SequenceEqual(other.Subscriptions ?? [])
        && SameAncestors(Ancestors, other.Ancestors);

    /// <summary>Policy ancestors alike: the same Gateways in the same order, each with conditions alike by <paramref name="conditions"/>.</summary>
    public static bool SameAncestors(IReadOnlyList<PolicyAncestorStatus>? a, IReadOnlyList<PolicyAncestorStatus>? b, IEqualityComparer<Condition>? conditions = null) =>
        (a ?? []).Count == (b ?? []).Count
        && (a ?? []).Zip(b ?? []).All(p => p.First.AncestorRef == p.Second.AncestorRef && p.First.ControllerName == p.Second.ControllerName
            && p.First.Conditions.SequenceEqual(p.Second.Conditions, conditions));

    [JsonIgnore]
    public bool IsAccepted => Conditions.Any(c => c.Type == ConditionTypes.Accepted && c.Status == "True");
}

public static class ConditionTypes
{
    public const string Accepted = "Accepted";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string Programmed = "Programmed";

    /// <summary>On a route that declares spec.api: True once its API version is deprecated or retired.</summary>
    public const string Deprecated = "Deprecated";

    /// <summary>A route's spec.api.openapi: whether its OpenAPI document was read for the developer portal.</summary>
    public const string Documented = "Documented";
}
