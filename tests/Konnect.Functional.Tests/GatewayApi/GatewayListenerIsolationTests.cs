using Konnect.Testing;
using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// GatewayHTTPListenerIsolation: four HTTP listeners of one Gateway on one port (no hostname, *.example.com,
/// *.foo.example.com, abc.foo.example.com), an HTTPRoute on each by sectionName. A request goes to the most specific
/// listener its host matches, and only that listener's routes may answer it: the others' paths are 404 there. Twice,
/// one after the other: with the hostnames on the listeners only, and with routes whose own hostnames reach into the
/// other listeners'.
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class GatewayListenerIsolationTests(ConformanceHarness h)
{
    private static readonly string[] Listeners = ["empty-hostname", "wildcard-example-com", "wildcard-foo-example-com", "abc-foo-example-com"];

    /// <summary>The host sent to each listener, in the suite's order; each listener's route answers only its own path there.</summary>
    private static readonly string[] Hosts = ["bar.com", "bar.example.com", "bar.foo.example.com", "abc.foo.example.com"];

    [Fact]
    public async Task GatewayHTTPListenerIsolation()
    {
        const string hostnames = """["bar.com", "*.example.com", "*.foo.example.com", "abc.foo.example.com"]""";
        // One manifest at a time: Konnect serves every Gateway from one route table, so with both at once the one
        // Gateway's routes could answer the other's 200s and hide a failure.
        await h.ScenarioAsync(Manifests("http-listener-isolation", null, ""), ["http-listener-isolation", .. Listeners.Select(l => $"attaches-to-{l}")]);
        // Hostnames configured only in listeners.
        await ExpectIsolatedAsync("http-listener-isolation", "");

        await h.ScenarioAsync(Manifests("http-listener-isolation-with-hostname-intersection", hostnames, "-with-hostname-intersection"),
            ["http-listener-isolation-with-hostname-intersection", .. Listeners.Select(l => $"attaches-to-{l}-with-hostname-intersection")]);
        // Intersecting hostnames configured in listeners and HTTPRoutes.
        await ExpectIsolatedAsync("http-listener-isolation-with-hostname-intersection", "-with-hostname-intersection");
    }

    private async Task ExpectIsolatedAsync(string gateway, string suffix)
    {
        // GatewayAndHTTPRoutesMustBeAccepted, HTTPRouteMustHaveResolvedRefsConditionsTrue.
        foreach (var route in Listeners.Select(l => $"attaches-to-{l}{suffix}"))
        {
            await ExpectParentAsync(route, gateway, "Accepted", "Accepted");
            await ExpectParentAsync(route, gateway, "ResolvedRefs", "ResolvedRefs");
        }
        await Repo.EventuallyAsync(async () =>
        {
            var listeners = (await h.StatusOfAsync("Gateway", Infra, gateway))["listeners"]!.AsArray();
            return listeners.Count == 4 && listeners.All(l => new[] { "Accepted", "Programmed", "ResolvedRefs" }.All(type =>
                l!["conditions"]!.AsArray().Any(c => c!["type"]!.GetValue<string>() == type && c["status"]!.GetValue<string>() == "True")));
        }, $"Gateway {gateway}'s listeners Accepted, Programmed and ResolvedRefs");

        for (var hostIndex = 0; hostIndex < Hosts.Length; hostIndex++)
        {
            for (var pathIndex = 0; pathIndex < Listeners.Length; pathIndex++)
            {
                var (host, path) = (Hosts[hostIndex], "/" + Listeners[pathIndex]);
                if (hostIndex == pathIndex)
                {
                    await h.ExpectAsync(() => h.SendAsync(path, host), a => a.Status == 200 && a.Backend == "infra-backend-v1", $"{host}{path} to infra-backend-v1");
                }
                else
                {
                    await h.ExpectAsync(() => h.SendAsync(path, host), a => a.Status == 404, $"{host}{path} answered 404");
                }
            }
        }
    }

    private async Task ExpectParentAsync(string route, string gateway, string type, string reason) => await Repo.EventuallyAsync(async () =>
    {
        var condition = await h.ParentConditionAsync(Infra, route, gateway, type);
        return condition["status"]!.GetValue<string>() == "True" && condition["reason"]!.GetValue<string>() == reason;
    }, $"HTTPRoute {route}: {type}=True");

    private static string Manifests(string gateway, string? routeHostnames, string suffix) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: {{gateway}}, namespace: {{Infra}} }
        spec:
          gatewayClassName: konnect
          listeners:
            - { name: empty-hostname, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }
            - { name: wildcard-example-com, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: { namespaces: { from: All } } }
            - { name: wildcard-foo-example-com, port: 80, protocol: HTTP, hostname: "*.foo.example.com", allowedRoutes: { namespaces: { from: All } } }
            - { name: abc-foo-example-com, port: 80, protocol: HTTP, hostname: abc.foo.example.com, allowedRoutes: { namespaces: { from: All } } }
        {{string.Concat(Listeners.Select(listener => $$"""
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: attaches-to-{{listener}}{{suffix}}, namespace: {{Infra}} }
        spec:
          parentRefs: [{ name: {{gateway}}, namespace: {{Infra}}, sectionName: {{listener}} }]
          {{(routeHostnames is null ? "" : $"hostnames: {routeHostnames}")}}
          rules: [{ matches: [{ path: { type: PathPrefix, value: /{{listener}} } }], backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]

        """))}}
        """;
}
