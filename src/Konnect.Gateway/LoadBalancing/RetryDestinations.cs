using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.LoadBalancing;

/// <summary>
/// Where a retry goes: the rule's own load-balancing policy chooses among the cluster's available destinations that the
/// request has not tried yet (<see cref="TriedDestinations"/>), and among all available ones again once every one was
/// tried. nginx (proxy_next_upstream) and Envoy (the previous_hosts retry predicate) do the same; without it a retry
/// goes back to the endpoint load balancing chose first, which just failed. The available destinations are read
/// afresh, so an endpoint that health checks took out meanwhile is not chosen.
/// </summary>
internal sealed class RetryDestinations(IEnumerable<ILoadBalancingPolicy> policies)
{
    private readonly FrozenDictionary<string, ILoadBalancingPolicy> _policies =
        policies.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Records <paramref name="failed"/> as tried by the request and returns the destination of its next attempt, or
    /// null when its cluster has none available (the retry then goes where the failed attempt went, as before).
    /// </summary>
    public DestinationState? Next(HttpContext context, IReverseProxyFeature proxy, DestinationState failed)
    {
        var tried = context.Features.Get<TriedDestinations>();
        if (tried is null)
        {
            tried = new TriedDestinations();
            context.Features.Set(tried);
        }
        tried.Add(failed);

        if (proxy.Route.Cluster is not { } cluster) { return null; }
        var available = cluster.DestinationsState.AvailableDestinations;
        IReadOnlyList<DestinationState> candidates = tried.Untried(available) is { Count: > 0 } untried ? untried : available;
        // As YARP's load-balancing step: a single candidate is taken without asking the policy, so a round robin's
        // turn is not spent on it.
        return candidates.Count switch
        {
            0 => null,
            1 => candidates[0],
            _ => Policy(proxy.Cluster.Config.LoadBalancingPolicy).PickDestination(context, cluster, candidates),
        };
    }

    private ILoadBalancingPolicy Policy(string? name) =>
        _policies.GetValueOrDefault(name ?? LoadBalancingPolicies.PowerOfTwoChoices)
        ?? _policies[LoadBalancingPolicies.PowerOfTwoChoices];
}
