using System.Globalization;
using Konnect.Controller.Model;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

namespace Konnect.Gateway.Yarp;

/// <summary>
/// Turns one rule into one YARP route and one cluster, both named by the rule id. The route matches every path:
/// Konnect's router has already chosen the rule and hands YARP the endpoint, so YARP's route only carries the
/// cluster and the transforms.
/// </summary>
internal static class YarpConfigBuilder
{
    public const string WeightKey = "konnect.weight";
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
            Metadata = route.RewritePathPrefix is { } rewrite
                ? new Dictionary<string, string> { [RewritePrefixKey] = rewrite }
                : null,
        };

        // Equal weights need no weighting: YARP's power-of-two-choices also steers away from a busy endpoint.
        var uniform = destinations.Values.Select(d => d.Metadata![WeightKey]).Distinct(StringComparer.Ordinal).Count() == 1;
        var cluster = new ClusterConfig
        {
            ClusterId = route.Id,
            LoadBalancingPolicy = uniform ? LoadBalancingPolicies.PowerOfTwoChoices : WeightedLoadBalancingPolicy.PolicyName,
            Destinations = destinations,
            HttpRequest = RequestConfig(route),
        };

        return (routeConfig, cluster);
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
                destinations[$"b{i}/{address}"] = new DestinationConfig
                {
                    Address = address,
                    Metadata = new Dictionary<string, string> { [WeightKey] = weight },
                };
            }
        }

        return destinations;
    }
}
