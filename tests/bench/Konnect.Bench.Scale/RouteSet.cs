using System.Text.Json.Nodes;

namespace Konnect.Bench.Scale;

/// <summary>
/// N KonnectRoutes, each with one rule backed by its own Service whose EndpointSlice holds two endpoints, spread over
/// hosts (<see cref="ScaleSettings.RoutesPerHost"/> per host, 50 namespaces). On each host, route k serves the path
/// prefix /svc{k}, except the last, which shares the previous route's prefix and adds a header match
/// (x-tenant), so matching has to weigh precedence as real configurations do. Endpoints are distinct loopback
/// addresses (127.10.0.1 onwards) on the port of upstream A; an endpoint change moves one slice to upstream B's port.
/// With <paramref name="httpRoutes"/> the routes are Gateway API HTTPRoutes attached to one Gateway (same matches, the
/// rewrite as a URLRewrite filter), so the same changes time the Gateway API input.
/// </summary>
public sealed class RouteSet(int count, int routesPerHost, int portA, int portB, bool httpRoutes = false)
{
    private const int Namespaces = 50;
    private readonly int?[] _rewrite = new int?[count];
    private readonly bool[] _onB = new bool[count];

    public int Count => count;
    public bool HttpRoutes => httpRoutes;

    /// <summary>The GatewayClass and Gateway the HTTPRoutes attach to (none for KonnectRoutes).</summary>
    public IEnumerable<JsonObject> SharedObjects()
    {
        if (!httpRoutes) { yield break; }
        yield return new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "GatewayClass",
            ["metadata"] = new JsonObject { ["name"] = "konnect" },
            ["spec"] = new JsonObject { ["controllerName"] = "konnect.dev/gateway-controller" },
        };
        yield return new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "Gateway",
            ["metadata"] = new JsonObject { ["name"] = "bench", ["namespace"] = "bench-infra" },
            ["spec"] = new JsonObject
            {
                ["gatewayClassName"] = "konnect",
                ["listeners"] = new JsonArray(new JsonObject
                {
                    ["name"] = "http", ["port"] = 80, ["protocol"] = "HTTP",
                    ["allowedRoutes"] = new JsonObject { ["namespaces"] = new JsonObject { ["from"] = "All" } },
                }),
            },
        };
    }
    public int Hosts => (count + routesPerHost - 1) / routesPerHost;

    public static int HostOf(int route, int routesPerHost) => route / routesPerHost;
    public int HostOf(int route) => HostOf(route, routesPerHost);
    public static string Namespace(int host) => $"team-{host % Namespaces:D2}";
    public static string HostName(int host) => $"h{host:D4}.bench.test";
    public static string Name(int route) => $"r{route:D5}";

    private bool HasHeaderMatch(int route) => route % routesPerHost is var k && k > 0 && k == routesPerHost - 1;
    private string Prefix(int route) => $"/svc{(HasHeaderMatch(route) ? route % routesPerHost - 1 : route % routesPerHost)}";

    /// <summary>A request that only <paramref name="route"/> matches.</summary>
    public Probe ProbeFor(int route) => new(
        HostName(HostOf(route)),
        Prefix(route) + "/probe",
        HasHeaderMatch(route) ? ("x-tenant", $"t{HostOf(route)}") : null);

    /// <summary>What the probe's answer reads now: the upstream's name and the path it was sent.</summary>
    public string Expected(int route) => $"{(_onB[route] ? "B" : "A")} {(_rewrite[route] is { } g ? $"/gen{g}" : Prefix(route))}/probe";

    /// <summary>A route change: the rule rewrites its prefix to /gen{generation} (the upstream sees the new path).</summary>
    public void SetRewrite(int route, int generation) => _rewrite[route] = generation;

    /// <summary>An endpoint change: the route's slice moves to the other upstream's port.</summary>
    public void FlipEndpoints(int route) => _onB[route] = !_onB[route];

    /// <summary>The routes of one host, with their Services and EndpointSlices.</summary>
    public IEnumerable<JsonObject> HostObjects(int host)
    {
        for (var route = host * routesPerHost; route < Math.Min(count, (host + 1) * routesPerHost); route++)
        {
            yield return Route(route);
            yield return Service(route);
            yield return Slice(route);
        }
    }

    public JsonObject Route(int route) => httpRoutes ? HttpRoute(route) : KonnectRoute(route);

    private JsonObject HttpRoute(int route)
    {
        var match = new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = Prefix(route) } };
        if (ProbeFor(route).Header is var (name, value))
        {
            match["headers"] = new JsonArray(new JsonObject { ["name"] = name, ["value"] = value });
        }
        var rule = new JsonObject
        {
            ["matches"] = new JsonArray(match),
            ["backendRefs"] = new JsonArray(new JsonObject { ["name"] = Name(route), ["port"] = 80 }),
        };
        if (_rewrite[route] is { } generation)
        {
            rule["filters"] = new JsonArray(new JsonObject
            {
                ["type"] = "URLRewrite",
                ["urlRewrite"] = new JsonObject { ["path"] = new JsonObject { ["type"] = "ReplacePrefixMatch", ["replacePrefixMatch"] = $"/gen{generation}" } },
            });
        }
        return new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "HTTPRoute",
            ["metadata"] = Metadata(Name(route), route),
            ["spec"] = new JsonObject
            {
                ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "bench", ["namespace"] = "bench-infra" }),
                ["hostnames"] = new JsonArray(HostName(HostOf(route))),
                ["rules"] = new JsonArray(rule),
            },
        };
    }

    private JsonObject KonnectRoute(int route)
    {
        var match = new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = Prefix(route) } };
        if (ProbeFor(route).Header is var (name, value))
        {
            match["headers"] = new JsonArray(new JsonObject { ["name"] = name, ["value"] = value });
        }
        var rule = new JsonObject
        {
            ["matches"] = new JsonArray(match),
            ["backends"] = new JsonArray(new JsonObject { ["service"] = Name(route), ["port"] = "http" }),
        };
        if (_rewrite[route] is { } generation) { rule["rewrite"] = new JsonObject { ["pathPrefix"] = $"/gen{generation}" }; }
        return new JsonObject
        {
            ["apiVersion"] = "konnect.dev/v1alpha1",
            ["kind"] = "KonnectRoute",
            ["metadata"] = Metadata(Name(route), route),
            ["spec"] = new JsonObject { ["hosts"] = new JsonArray(HostName(HostOf(route))), ["rules"] = new JsonArray(rule) },
        };
    }

    public JsonObject Service(int route) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = Metadata(Name(route), route),
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = Name(route) },
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = 8080 }),
        },
    };

    public JsonObject Slice(int route)
    {
        var metadata = Metadata(Name(route) + "-x1", route);
        metadata["labels"] = new JsonObject { ["kubernetes.io/service-name"] = Name(route) };
        var endpoints = new JsonArray();
        for (var e = 2 * route; e < 2 * route + 2; e++)
        {
            endpoints.Add(new JsonObject { ["addresses"] = new JsonArray(Address(e)), ["conditions"] = new JsonObject { ["ready"] = true } });
        }
        return new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = metadata,
            ["addressType"] = "IPv4",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = _onB[route] ? portB : portA, ["protocol"] = "TCP" }),
            ["endpoints"] = endpoints,
        };
    }

    // 254 addresses per /24 (no .0, no .255), from 127.10.0.1: 20,000 endpoints end near 127.10.78.x.
    private static string Address(int endpoint) => $"127.{10 + endpoint / (254 * 256)}.{endpoint / 254 % 256}.{endpoint % 254 + 1}";

    private JsonObject Metadata(string name, int route) => new() { ["name"] = name, ["namespace"] = Namespace(HostOf(route)) };
}

/// <summary>One request that reaches one route: Host header, path and, for header-matched routes, the header.</summary>
public sealed record Probe(string Host, string Path, (string Name, string Value)? Header);
