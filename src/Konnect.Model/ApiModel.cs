namespace Konnect.Model;

/// <summary>
/// The API a route serves a version of, and where that version is in its life (spec.api). The data plane sends the
/// deprecation headers from it and answers 410 once the version is gone; the dates are already checked.
/// </summary>
public sealed record ApiModel
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    public ApiState State { get; init; }
    public DateTimeOffset? DeprecatedAt { get; init; }
    public DateTimeOffset? SunsetAt { get; init; }

    /// <summary>Answer 410 from <see cref="SunsetAt"/> on.</summary>
    public bool EnforceSunset { get; init; }

    /// <summary>The version that replaces this one (an absolute URL or a path); Link rel="successor-version".</summary>
    public string? Successor { get; init; }

    /// <summary>A page about the deprecation; Link rel="deprecation".</summary>
    public string? Documentation { get; init; }

    /// <summary>Whether the developer portal shows this version (to everyone, or only to its namespace: <see cref="Internal"/>).</summary>
    public bool Listed { get; init; }

    /// <summary>Shown only to portal viewers signed in as a consumer of the route's namespace.</summary>
    public bool Internal { get; init; }

    /// <summary>The portal's title; null means the name.</summary>
    public string? Title { get; init; }

    /// <summary>Plain text; the portal encodes it.</summary>
    public string? Description { get; init; }

    public string? Team { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Whether the route names an OpenAPI document (found or not: see <see cref="GatewayModel.ApiDocuments"/>).</summary>
    public bool HasDocument { get; init; }

    /// <summary>Whether requests at <paramref name="now"/> are answered 410: retired, or past an enforced sunset.</summary>
    public bool IsGone(DateTimeOffset now) => State == ApiState.Retired || (EnforceSunset && SunsetAt <= now);
}

public enum ApiState { Published, Deprecated, Retired }
