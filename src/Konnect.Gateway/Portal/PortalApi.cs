using System.Text.Json.Serialization;
using Konnect.Model;

namespace Konnect.Gateway.Portal;

/// <summary>One API on the portal: its versions, newest published first.</summary>
internal sealed record PortalApi
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Title { get; init; }
    public string? Description { get; init; }
    public string? Team { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public required IReadOnlyList<PortalVersion> Versions { get; init; }

    /// <summary>The states its versions are in, for the state filter.</summary>
    public bool Has(ApiState state) => Versions.Any(v => v.State == state);
}

/// <summary>One version: where it is served, what calling it needs, and its document.</summary>
internal sealed record PortalVersion
{
    public required string Version { get; init; }
    public required string Route { get; init; }
    public required ApiState State { get; init; }
    /// <summary>Shown only to viewers signed in as a consumer of the API's namespace.</summary>
    public bool Internal { get; init; }

    // This version's own spec.api face, from which the API's is composed (see PortalCatalog.Compose); the JSON has the API's.
    [JsonIgnore] public string? Title { get; init; }
    [JsonIgnore] public string? Description { get; init; }
    [JsonIgnore] public string? Team { get; init; }
    [JsonIgnore] public IReadOnlyList<string> Tags { get; init; } = [];
    public DateTimeOffset? DeprecatedAt { get; init; }
    public DateTimeOffset? SunsetAt { get; init; }
    public bool EnforceSunset { get; init; }
    public string? Successor { get; init; }
    public string? Documentation { get; init; }
    /// <summary>Empty: any host.</summary>
    public required IReadOnlyList<string> Hosts { get; init; }
    public required IReadOnlyList<string> Paths { get; init; }
    /// <summary>Empty: any method.</summary>
    public required IReadOnlyList<string> Methods { get; init; }
    /// <summary>Empty: no authentication.</summary>
    public required IReadOnlyList<string> Access { get; init; }
    public PortalSubscription? Subscription { get; init; }
    public required IReadOnlyList<string> RateLimits { get; init; }
    public required IReadOnlyList<string> TokenQuotas { get; init; }
    /// <summary>Whether the route names a document (or is a prompt API); <see cref="Document"/> is null when it could not be read.</summary>
    public bool HasDocument { get; init; }
    public ApiDocumentModel? Document { get; init; }
}

/// <param name="Required">A consumer needs a subscription (spec.subscriptions on its KonnectConsumer) to call.</param>
/// <param name="Approval">Only consumers the policy lists in approvedConsumers may call: the route's owners approve.</param>
/// <param name="Policy">The KonnectPolicy that decides, namespace/name.</param>
/// <param name="Groups">Consumer groups admitted, when the policy admits callers by group.</param>
internal sealed record PortalSubscription(bool Required, bool Approval, string Policy, IReadOnlyList<string> Groups);

/// <param name="Id">The consumer, namespace/name.</param>
/// <param name="Namespace">Its namespace: internal APIs of this namespace are shown.</param>
internal sealed record PortalViewer(string Id, string Namespace);
