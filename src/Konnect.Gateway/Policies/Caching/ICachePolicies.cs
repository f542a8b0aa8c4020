namespace Konnect.Gateway.Policies.Caching;

/// <summary>
/// What the cache step reads of a rule's compiled policies (Policies' RoutePolicies, which the matched route carries):
/// its cache block, and whether the rule authenticates callers. An interface, so that this block depends on none of
/// the others and the aggregate of all blocks can depend on it.
/// </summary>
internal interface ICachePolicies
{
    CacheRule? Cache { get; }

    /// <summary>The rule authenticates callers, so an answer can be keyed by the consumer it was identified as.</summary>
    bool Authenticates { get; }
}
