using System.Globalization;
using Konnect.Model;
using Konnect.Gateway.LoadBalancing;
using Konnect.Gateway.Resilience;
using Konnect.Gateway.Tls;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Configuration;

/// <summary>
/// Turns one rule into one YARP route and one cluster, both named by the rule id. The route matches every path:
/// Konnect's router has already chosen the rule and hands YARP the endpoint, so YARP's route only carries the
/// cluster and the transforms.
/// </summary>
internal static class YarpConfigBuilder
{
    /// <summary>Route metadata: rewrite.pathPrefix, which KonnectTransformProvider turns into a prefix rewrite.</summary>
    public const string RewritePrefixKey = "konnect.rewritePrefix";
    public const string CatchAllPath = "/{**catch-all}";

    /// <summary>The YARP configuration for <paramref name="route"/>, or null when it has nothing to proxy to.</summary>
    public static (RouteConfig Route, ClusterConfig Cluster)? Build(RouteModel route)
    {
        var destinations = Destinations(route);
        if (route.Unavailable is not null || destinations.Count == 0)
        {
            return null;
        }

        var routeConfig = new RouteConfig
        {
            RouteId = route.Id,
            ClusterId = route.Id,
            Match = new RouteMatch { Path = CatchAllPath },
            Metadata = RouteMetadata(route),
        };

        // One weighted backend needs no weighting: the rule's algorithm (default power-of-two-choices) picks among its
        // endpoints. Decided by the backends alone, never by how many endpoints each has: an endpoint change must
        // leave the cluster's settings as they are, so the cluster (and its endpoints' health) stays.
        var uniform = route.Backends.Count(b => b.Weight > 0) <= 1;
        var cluster = new ClusterConfig
        {
            ClusterId = route.Id,
            Destinations = destinations,
            HttpRequest = RequestConfig(route),
            HttpClient = UpstreamTlsConfig.HttpClient(route),
            Metadata = UpstreamTlsConfig.Metadata(route),
        };

        return (routeConfig, ResilienceClusterConfig.Apply(cluster, route.Policies?.Resilience, weighted: !uniform));
    }

    private static Dictionary<string, string>? RouteMetadata(RouteModel route)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (route.RewritePathPrefix is { } rewrite) { metadata[RewritePrefixKey] = rewrite; }
        if (route.Policies?.Resilience is { Retry: not null } or { CircuitBreaker: not null }) { metadata[ResilienceContextTransform.ResilienceKey] = "true"; }
        return metadata.Count > 0 ? metadata : null;
    }

    private static ForwarderRequestConfig? RequestConfig(RouteModel route)
    {
        // The translator refuses rules that mix protocols, so the first backend speaks for all of them.
        var h2c = route.Backends.Count > 0 && route.Backends[0].Protocol == UpstreamProtocol.H2c;
        if (!h2c)
        {
            return route.Timeout is { } timeout ? new ForwarderRequestConfig { ActivityTimeout = timeout } : null;
        }

        // Exact: a cleartext upstream cannot negotiate, and gRPC over HTTP/1.1 does not exist.
        return new ForwarderRequestConfig
        {
            ActivityTimeout = route.Timeout,
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>
    /// One destination per endpoint of each backend; a backend's weight is shared by its endpoints, so a backend with
    /// weight 3 gets three times the traffic of one with weight 1 however many pods each has.
    /// </summary>
    internal static Dictionary<string, DestinationConfig> Destinations(RouteModel route)
    {
        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < route.Backends.Count; i++)
        {
            var backend = route.Backends[i];
            var endpoints = backend.Endpoints.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (backend.Weight <= 0 || endpoints.Count == 0)
            {
                continue;
            }

            var weight = ((double)backend.Weight / endpoints.Count).ToString("R", CultureInfo.InvariantCulture);
            foreach (var address in endpoints)
            {
                destinations[new DestinationId(i, address).ToString()] = new DestinationConfig
                {
                    Address = address,
                    // SocketsHttpHandler sends the Host header's name as SNI and checks the certificate against it.
                    Host = backend.Tls?.Sni,
                    // Its own object per destination: it also counts what Konnect's forwarder has in flight there.
                    Metadata = new DestinationLoad(DestinationWeights.Metadata(weight)),
                };
            }
        }

        return destinations;
    }
}
