using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Konnect.Api.Kubernetes;

namespace Konnect.Api.V1Alpha1;

/// <summary>The API group and version of Konnect's own resources.</summary>
public static class KonnectGroup
{
    public const string Group = "konnect.dev";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>An RFC 1123 host name, optionally with one leading wildcard label.</summary>
    public const string HostnamePattern = @"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
}

/// <summary>The status every Konnect resource carries.</summary>
public sealed record KonnectStatus
{
    [Description("Accepted, ResolvedRefs and Programmed, each with observedGeneration, reason and message.")]
    public List<Condition>? Conditions { get; set; }

    [Description("For a KonnectConsumer: the state of each subscription it asked for.")]
    public List<SubscriptionStatus>? Subscriptions { get; set; }

    [Description("For a KonnectPolicy with targetRefs: each Gateway it takes effect through (Gateway API policy attachment's status.ancestors).")]
    [MaxLength(16)]
    public List<PolicyAncestorStatus>? Ancestors { get; set; }
}

public sealed record SubscriptionStatus
{
    public string Route { get; set; } = "";
    [Description("Pending, Approved or Rejected.")]
    public string State { get; set; } = "";
    public string? Message { get; set; }
}
