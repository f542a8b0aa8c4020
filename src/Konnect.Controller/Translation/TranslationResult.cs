using Konnect.Controller.Model;
using Konnect.Controller.Store;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;

namespace Konnect.Controller.Translation;

/// <summary>The translator's whole output: the model to serve and a status for every object it looked at.</summary>
public sealed record TranslationResult(GatewayModel Model, IReadOnlyList<ObjectStatus> Statuses);

/// <summary>The status of one object: its conditions and, for consumers, its subscriptions.</summary>
public sealed record ObjectStatus
{
    public required ObjectRef Object { get; init; }
    public long? Generation { get; init; }
    public required IReadOnlyList<Condition> Conditions { get; init; }
    public IReadOnlyList<SubscriptionStatus>? Subscriptions { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsAccepted => Conditions.Any(c => c.Type == ConditionTypes.Accepted && c.Status == "True");
}

public static class ConditionTypes
{
    public const string Accepted = "Accepted";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string Programmed = "Programmed";
}
