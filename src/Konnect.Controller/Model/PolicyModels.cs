namespace Konnect.Controller.Model;

/// <summary>
/// The policy blocks a rule enforces, merged from its policies in order (the route's, then the rule's own). Each
/// block is taken whole from the last policy that sets it: blocks are not merged field by field, so what a rule
/// enforces is always exactly one policy's block, readable in that policy.
/// </summary>
public sealed record PoliciesModel
{
    public IpAccessModel? IpAccess { get; init; }
    public CorsModel? Cors { get; init; }
}

/// <summary>Normalised CIDR ranges ("10.0.0.0/8", "2001:db8::/32"; single addresses get /32 or /128).</summary>
public sealed record IpAccessModel
{
    /// <summary>The policy this block came from.</summary>
    public required string Policy { get; init; }
    /// <summary>Empty means any address not denied.</summary>
    public IReadOnlyList<string> Allow { get; init; } = [];
    public IReadOnlyList<string> Deny { get; init; } = [];
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
    public required string ForwardedHeader { get; init; }
}

public sealed record CorsModel
{
    /// <summary>The policy this block came from.</summary>
    public required string Policy { get; init; }
    /// <summary>Lower-case origins: exact, "scheme://*.suffix" or "*".</summary>
    public required IReadOnlyList<string> AllowOrigins { get; init; }
    /// <summary>Upper-case method names.</summary>
    public required IReadOnlyList<string> AllowMethods { get; init; }
    /// <summary>Lower-case header names; "*" means any.</summary>
    public IReadOnlyList<string> AllowHeaders { get; init; } = [];
    public IReadOnlyList<string> ExposeHeaders { get; init; } = [];
    public bool AllowCredentials { get; init; }
    /// <summary>Seconds browsers may cache a preflight; null leaves it to the browser.</summary>
    public int? MaxAgeSeconds { get; init; }
}
