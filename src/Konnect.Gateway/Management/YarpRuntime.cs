using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Konnect.Gateway.LoadBalancing;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Konnect.Gateway.Management;

/// <summary>
/// YARP's runtime objects (cluster and destination state, route model, endpoint) for every rule, kept by Konnect
/// instead of YARP's configuration manager. That manager re-examines every route and cluster on each change (about
/// 30 ms at 10,000 rules, most of a publish); here only the rules whose YARP config instances changed are touched,
/// and an endpoint change edits the cluster's destinations in place, as YARP itself does. Requests still run YARP's
/// own proxy pipeline (affinity, load balancing, health, forwarder): each endpoint carries the pipeline of the one
/// anchor route YARP's manager keeps, and the <see cref="RouteModel"/> that pipeline reads.
/// </summary>
internal sealed class YarpRuntime(
    IForwarderHttpClientFactory clients,
    ITransformBuilder transforms,
    IClusterDestinationsUpdater destinations,
    IEnumerable<IClusterChangeListener> listeners,
    DestinationWeights weights) : IProxyStateLookup
{
    /// <summary>The route and cluster id of the anchor: the one route YARP's manager holds, never matched.</summary>
    public const string AnchorId = "konnect-pipeline-anchor";

    private readonly IClusterChangeListener[] _listeners = [.. listeners];
    private readonly ConcurrentDictionary<string, RuleState> _rules = new(StringComparer.OrdinalIgnoreCase);
    // Rules whose transforms come out alike share one transformer: at 10,000 rules a transformer each (YARP's default
    // X-Forwarded-* transforms, Konnect's own) was about a quarter of the runtime's memory. Keyed by the route config with
    // its identity blanked out; Konnect's transforms read the route's metadata alone (see KonnectTransformProvider).
    private readonly ConcurrentDictionary<RouteConfig, HttpTransformer> _transformers = new();
    private const int MaxSharedTransformers = 1024;
    private RequestDelegate? _pipeline;
    // The configs the last Apply was given, by position, and the positions among them that failed to build. The list
    // itself is kept (the publisher makes one per publish and never changes it): a copy was 240 KB per publish at
    // 10,000 rules, on the large object heap.
    private IReadOnlyList<(RouteConfig Route, ClusterConfig Cluster)>? _applied;
    private HashSet<int>? _appliedFailed;

    /// <summary>YARP's proxy pipeline, taken from the anchor's endpoint once YARP has built it.</summary>
    public bool HasPipeline => _pipeline is not null;

    public void SetPipeline(RequestDelegate pipeline) => _pipeline = pipeline;

    /// <summary>
    /// Makes the runtime hold exactly <paramref name="configs"/> (validated YARP configs, one route and cluster per
    /// rule, ids unique). Serialised by the publisher; readers (requests, metrics) see each rule switch in one step.
    /// </summary>
    /// <returns>Rules that could not be built (rule id → reason): they are left out and answer 503; the rest apply.</returns>
    public Dictionary<string, string> Apply(IReadOnlyList<(RouteConfig Route, ClusterConfig Cluster)> configs)
    {
        var failed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var (last, lastFailed) = (_applied, _appliedFailed);
        _applied = null; // until this apply completes: an exception part-way must not leave positions that lie
        HashSet<int>? failedAt = null;
        var present = 0;
        for (var i = 0; i < configs.Count; i++)
        {
            var (route, cluster) = configs[i];
            // Rules keep their order between publishes: the same configs at the same position as last time are
            // applied already, known without looking the rule up (10,000 lookups per change otherwise).
            RuleState? current = null;
            var unchanged = (last is not null && i < last.Count && ReferenceEquals(last[i].Route, route) && ReferenceEquals(last[i].Cluster, cluster)
                    && lastFailed?.Contains(i) != true)
                || (_rules.TryGetValue(route.RouteId, out current) && ReferenceEquals(current.RouteConfig, route) && ReferenceEquals(current.ClusterConfig, cluster));
            if (unchanged)
            {
                present++;
                continue;
            }

            RuleState next;
            try
            {
                next = Update(current, route, cluster);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Building the client (a CA bundle, a client certificate) or the transforms failed: this rule goes
                // (the loop below removes it) and answers 503; the others still apply. The type only: a message about
                // key material is not for statuses.
                failed[route.RouteId] = $"Route '{route.RouteId}': the proxy could not build its upstream client or transforms ({ex.GetType().Name}).";
                (failedAt ??= []).Add(i);
                continue;
            }

            present++;
            _rules[route.RouteId] = next;
            if (!ReferenceEquals(current?.Cluster, next.Cluster))
            {
                // Only once the rule serves from it: a probe monitor must never hold a cluster nobody serves.
                if (current is not null) { Notify(l => l.OnClusterRemoved(current.Cluster)); }
                Notify(l => l.OnClusterAdded(next.Cluster));
            }
        }

        // Every applied id is in the table and ids are unique, so equal counts mean nothing else is left in it.
        if (_rules.Count != present)
        {
            var wanted = new HashSet<string>(present, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < configs.Count; i++) { if (failedAt?.Contains(i) != true) { wanted.Add(configs[i].Route.RouteId); } }
            foreach (var (id, rule) in _rules)
            {
                if (!wanted.Contains(id) && _rules.TryRemove(id, out _))
                {
                    Notify(l => l.OnClusterRemoved(rule.Cluster));
                }
            }
        }

        (_applied, _appliedFailed) = (configs, failedAt);
        return failed;
    }

    private void Notify(Action<IClusterChangeListener> notify)
    {
        foreach (var listener in _listeners) { notify(listener); }
    }

    /// <summary>The endpoint serving rule <paramref name="id"/>, or null (no such rule, or no pipeline yet).</summary>
    public RuleEndpoint? EndpointOf(string id) => _rules.TryGetValue(id, out var rule) ? rule.Endpoint ??= CreateEndpoint(rule.Route) : null;

    private RuleState Update(RuleState? current, RouteConfig route, ClusterConfig cluster)
    {
        ClusterState state;
        if (current is not null && SameExceptDestinations(current.ClusterConfig, cluster))
        {
            // An endpoint change, the most frequent one: the cluster state (its destinations' health, the balancer's
            // counters, the client) stays and its destinations are edited in place, as YARP does. The state's model
            // keeps its first config, equal to this one in all but destinations, which requests never read from it.
            state = current.Cluster;
        }
        else
        {
            var old = current?.Cluster.Model;
            var client = clients.CreateClient(new ForwarderHttpClientContext
            {
                ClusterId = cluster.ClusterId,
                OldConfig = old?.Config.HttpClient ?? HttpClientConfig.Empty,
                OldMetadata = old?.Config.Metadata,
                OldClient = old?.HttpClient,
                NewConfig = cluster.HttpClient ?? HttpClientConfig.Empty,
                NewMetadata = cluster.Metadata,
            });
            state = new ClusterState(cluster.ClusterId, new ClusterModel(cluster, client));
        }

        // Weights before destinations: a kept destination must not be weighed by the old table next to new ones.
        weights.Update(state, cluster);

        if (SetDestinations(state, cluster) || !ReferenceEquals(current?.Cluster, state)) { destinations.UpdateAllDestinations(state); }

        if (current is not null && ReferenceEquals(current.Cluster, state) && current.Route.Config.Equals(route))
        {
            return current with { RouteConfig = route, ClusterConfig = cluster };
        }

        var model = new RouteModel(route, state, TransformerFor(route, cluster));
        return new RuleState(model, state, route, cluster) { Endpoint = CreateEndpoint(model) };
    }

    /// <summary>Adds, replaces and removes destination states to match the config; true when anything changed.</summary>
    private static bool SetDestinations(ClusterState state, ClusterConfig cluster)
    {
        var changed = false;
        var incoming = cluster.Destinations ?? new Dictionary<string, DestinationConfig>();
        foreach (var (id, config) in incoming)
        {
            if (state.Destinations.TryGetValue(id, out var existing) && SameEndpoint(existing.Model.Config, config)) { continue; }
            state.Destinations[id] = new DestinationState(id, new DestinationModel(config));
            changed = true;
        }

        foreach (var id in state.Destinations.Keys)
        {
            if (!incoming.ContainsKey(id) && state.Destinations.TryRemove(id, out _)) { changed = true; }
        }

        return changed;
    }

    private HttpTransformer TransformerFor(RouteConfig route, ClusterConfig cluster)
    {
        var key = route with { RouteId = "", ClusterId = null, Match = SharedMatch, Order = null };
        if (_transformers.TryGetValue(key, out var shared)) { return shared; }
        // Rewrite prefixes are the user's, so the keys are unbounded: start over past the cap (rules keep theirs).
        if (_transformers.Count >= MaxSharedTransformers) { _transformers.Clear(); }
        return _transformers.GetOrAdd(key, transforms.Build(route, cluster));
    }

    private static readonly RouteMatch SharedMatch = new();

    // Metadata only carries the weight, which lives in the weight table (see DestinationWeights).
    private static bool SameEndpoint(DestinationConfig a, DestinationConfig b) =>
        string.Equals(a.Address, b.Address, StringComparison.Ordinal) && string.Equals(a.Host, b.Host, StringComparison.Ordinal)
        && string.Equals(a.Health, b.Health, StringComparison.Ordinal);

    private static bool SameExceptDestinations(ClusterConfig a, ClusterConfig b) =>
        (a with { Destinations = null }).Equals(b with { Destinations = null });

    private RuleEndpoint? CreateEndpoint(RouteModel route) => _pipeline is { } pipeline ? new RuleEndpoint(pipeline, route) : null;

    public bool TryGetRoute(string id, [NotNullWhen(true)] out RouteModel? route)
    {
        route = _rules.TryGetValue(id, out var rule) ? rule.Route : null;
        return route is not null;
    }

    public IEnumerable<RouteModel> GetRoutes() => _rules.Values.Select(r => r.Route);

    public bool TryGetCluster(string id, [NotNullWhen(true)] out ClusterState? cluster)
    {
        cluster = _rules.TryGetValue(id, out var rule) ? rule.Cluster : null;
        return cluster is not null;
    }

    public IEnumerable<ClusterState> GetClusters() => _rules.Values.Select(r => r.Cluster);

    /// <param name="RouteConfig">The route config last applied (the model keeps an equal one).</param>
    /// <param name="ClusterConfig">The cluster config last applied (the state's model may keep an older one).</param>
    private sealed record RuleState(RouteModel Route, ClusterState Cluster, RouteConfig RouteConfig, ClusterConfig ClusterConfig)
    {
        public RuleEndpoint? Endpoint { get; set; }
    }
}
