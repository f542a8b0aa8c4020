using System.Text.Json.Nodes;
using Konnect.Testing;
using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// More of the suite's HTTPRoute scenarios, named as it names them: attachment to listeners (hostname, kind, port),
/// named rules, ReferenceGrants that do not grant, and Services of other shapes (headless, EndpointSlices made by hand).
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class HttpRouteAttachmentConformanceTests(ConformanceHarness h)
{
    /// <summary>Every parent entry of the route for <paramref name="gateway"/> (one per parentRef: one per sectionName) has the condition.</summary>
    private async Task ExpectParent(string route, string gateway, string type, string status, string? reason = null)
    {
        List<JsonNode> last = [];
        try
        {
            await Repo.EventuallyAsync(async () =>
            {
                var parents = (await h.StatusOfAsync("HTTPRoute", Infra, route))["parents"]!.AsArray()
                    .Where(p => p!["parentRef"]!["name"]!.GetValue<string>() == gateway);
                last = parents.Select(p => p!["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == type)!).ToList();
                return last.Count > 0 && last.All(c => c["status"]!.GetValue<string>() == status && (reason is null || c["reason"]!.GetValue<string>() == reason));
            }, $"HTTPRoute {route} parent {gateway}: {type}={status} ({reason})", seconds: 15);
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"HTTPRoute {route} parent {gateway}: {type} is {string.Join(", ", last.Select(c => c.ToJsonString()))}", e);
        }
    }

    /// <summary>The suite's HTTPRouteMustHaveNoAcceptedParents: no parent, or none with Accepted=True.</summary>
    private async Task ExpectNoAcceptedParents(string route)
    {
        var parents = (await h.StatusOfAsync("HTTPRoute", Infra, route))["parents"]?.AsArray() ?? [];
        Assert.DoesNotContain(parents, p => p!["conditions"]!.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Accepted" && c["status"]!.GetValue<string>() == "True"));
    }

    /// <summary>The suite's GatewayMustHaveZeroRoutes: every listener's attachedRoutes is 0.</summary>
    private async Task ExpectZeroRoutes(string gateway)
    {
        var listeners = (await h.StatusOfAsync("Gateway", Infra, gateway))["listeners"]!.AsArray();
        Assert.NotEmpty(listeners);
        Assert.All(listeners, l => Assert.Equal(0, l!["attachedRoutes"]!.GetValue<int>()));
    }

    [Fact]
    public async Task HTTPRouteListenerHostnameMatching()
    {
        static string Parent(string section) => $"{{ name: httproute-listener-hostname-matching, namespace: {Infra}, sectionName: {section} }}";
        await h.ScenarioAsync($$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: httproute-listener-hostname-matching, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners:
                - { name: listener-1, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }, hostname: bar.com }
                - { name: listener-2, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }, hostname: foo.bar.com }
                - { name: listener-3, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }, hostname: "*.bar.com" }
                - { name: listener-4, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }, hostname: "*.foo.com" }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: backend-v1, namespace: {{Infra}} }
            spec:
              parentRefs: [{{Parent("listener-1")}}]
              rules: [{ backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: backend-v2, namespace: {{Infra}} }
            spec:
              parentRefs: [{{Parent("listener-2")}}]
              rules: [{ backendRefs: [{ name: infra-backend-v2, port: 8080 }] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: backend-v3, namespace: {{Infra}} }
            spec:
              parentRefs: [{{Parent("listener-3")}}, {{Parent("listener-4")}}]
              rules: [{ backendRefs: [{ name: infra-backend-v3, port: 8080 }] }]
            """, "httproute-listener-hostname-matching", "backend-v1", "backend-v2", "backend-v3");

        foreach (var route in (string[])["backend-v1", "backend-v2", "backend-v3"])
        {
            await ExpectParent(route, "httproute-listener-hostname-matching", "Accepted", "True", "Accepted");
            await ExpectParent(route, "httproute-listener-hostname-matching", "ResolvedRefs", "True", "ResolvedRefs");
        }
        // Each listener counts the routes attached through it: backend-v3 through two of them.
        var listeners = (await h.StatusOfAsync("Gateway", Infra, "httproute-listener-hostname-matching"))["listeners"]!.AsArray();
        Assert.All(listeners, l => Assert.Equal(1, l!["attachedRoutes"]!.GetValue<int>()));

        await h.ExpectBackendAsync("/", "infra-backend-v1", "bar.com");
        await h.ExpectBackendAsync("/", "infra-backend-v2", "foo.bar.com");
        await h.ExpectBackendAsync("/", "infra-backend-v3", "baz.bar.com");
        await h.ExpectBackendAsync("/", "infra-backend-v3", "boo.bar.com");
        await h.ExpectBackendAsync("/", "infra-backend-v3", "multiple.prefixes.bar.com");
        await h.ExpectBackendAsync("/", "infra-backend-v3", "multiple.prefixes.foo.com");
        await h.ExpectStatusAsync("/", 404, "foo.com");
        await h.ExpectStatusAsync("/", 404, "no.matching.host");
    }

    [Fact]
    public async Task HTTPRouteDisallowedKind()
    {
        // The suite runs this with TLSRoute support; Konnect does not accept a TLS listener at all, and the route must be
        // refused for the listener's kinds just the same.
        await h.ScenarioAsync($$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: tlsroutes-only, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners:
                - name: tls
                  port: 443
                  protocol: TLS
                  tls: { mode: Passthrough }
                  allowedRoutes: { namespaces: { from: Same }, kinds: [{ kind: TLSRoute }] }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: disallowed-kind, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: tlsroutes-only, namespace: {{Infra}} }]
              rules: [{ backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
            """, "tlsroutes-only", "disallowed-kind");

        await ExpectParent("disallowed-kind", "tlsroutes-only", "ResolvedRefs", "True");
        await ExpectParent("disallowed-kind", "tlsroutes-only", "Accepted", "False", "NotAllowedByListeners");
        await ExpectNoAcceptedParents("disallowed-kind");
        await ExpectZeroRoutes("tlsroutes-only");
    }

    [Fact]
    public async Task HTTPRouteNamedRule()
    {
        await h.ScenarioAsync($$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: http-named-rules, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules:
                - name: named-rule
                  matches: [{ path: { type: PathPrefix, value: /named } }]
                  backendRefs: [{ name: infra-backend-v1, port: 8080 }]
                - matches: [{ path: { type: PathPrefix, value: /unnamed } }]
                  backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            """, "http-named-rules");

        await ExpectParent("http-named-rules", "same-namespace", "Accepted", "True", "Accepted");
        await ExpectParent("http-named-rules", "same-namespace", "ResolvedRefs", "True", "ResolvedRefs");
        await h.ExpectBackendAsync("/named", "infra-backend-v1");
        await h.ExpectBackendAsync("/unnamed", "infra-backend-v2");
    }

    [Fact]
    public async Task HTTPRouteInvalidReferenceGrant()
    {
        // Each grant is wrong in one way (its namespace, from's group, kind or namespace, to's group, kind or name):
        // none of them opens web-backend to HTTPRoutes from the infra namespace.
        static string Grant(string name, string ns, string from, string to) => $$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata: { name: {{name}}, namespace: {{ns}} }
            spec: { from: [{{from}}], to: [{{to}}] }

            """;
        const string FromRoutes = $"{{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: {Infra} }}";
        const string ToService = "{ group: \"\", kind: Service, name: web-backend }";
        await h.ScenarioAsync(
            Grant("reference-grant-wrong-namespace", Infra, FromRoutes, ToService)
            + Grant("reference-grant-wrong-from-group", WebBackend, $"{{ group: not-the-group-youre-looking-for, kind: HTTPRoute, namespace: {Infra} }}", ToService)
            + Grant("reference-grant-wrong-from-kind", WebBackend, $"{{ group: gateway.networking.k8s.io, kind: Gateway, namespace: {Infra} }}", ToService)
            + Grant("reference-grant-wrong-from-namespace", WebBackend, "{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: not-the-namespace-youre-looking-for }", ToService)
            + Grant("reference-grant-wrong-to-group", WebBackend, FromRoutes, "{ group: not-the-group-youre-looking-for, kind: Service, name: web-backend }")
            + Grant("reference-grant-wrong-to-kind", WebBackend, FromRoutes, "{ group: \"\", kind: Secret, name: web-backend }")
            + Grant("reference-grant-wrong-to-name", WebBackend, FromRoutes, "{ group: \"\", kind: Secret, name: not-the-service-youre-looking-for }")
            + $$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: reference-grant, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules: [{ backendRefs: [{ name: web-backend, namespace: {{WebBackend}}, port: 8080 }] }]
            """, "reference-grant");

        await ExpectParent("reference-grant", "same-namespace", "Accepted", "True", "Accepted");
        await ExpectParent("reference-grant", "same-namespace", "ResolvedRefs", "False", "RefNotPermitted");
        var before = h.Requests("web-backend");
        await h.ExpectStatusAsync("/", 500);
        Assert.Equal(before, h.Requests("web-backend"));
    }

    [Fact]
    public async Task HTTPRoutePartiallyInvalidViaInvalidReferenceGrant()
    {
        await h.ScenarioAsync($$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata: { name: invalid-reference-grant, namespace: {{AppBackend}} }
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: {{Infra}} }]
              to: [{ group: "", kind: Service, name: app-backend-v1 }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: invalid-reference-grant, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules:
                - matches: [{ path: { type: PathPrefix, value: /v2 } }]
                  backendRefs: [{ name: app-backend-v2, namespace: {{AppBackend}}, port: 8080 }]
                - backendRefs: [{ name: app-backend-v1, namespace: {{AppBackend}}, port: 8080 }]
            """, "invalid-reference-grant");

        await ExpectParent("invalid-reference-grant", "same-namespace", "Accepted", "True", "Accepted");
        await ExpectParent("invalid-reference-grant", "same-namespace", "ResolvedRefs", "False", "RefNotPermitted");
        await h.ExpectStatusAsync("/v2", 500);
        await h.ExpectBackendAsync("/", "app-backend-v1");
    }

    [Fact]
    public async Task HTTPRouteInvalidParentRefNotMatchingListenerPort()
    {
        await h.ScenarioAsync($$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: httproute-listener-not-matching-route-port, namespace: {{Infra}} }
            spec:
              # same-namespace has one listener, on port 80: none on 81.
              parentRefs: [{ name: same-namespace, namespace: {{Infra}}, port: 81 }]
              rules: [{ backendRefs: [{ name: infra-backend-v1, kind: Service, port: 8080 }] }]
            """, "httproute-listener-not-matching-route-port");

        await ExpectParent("httproute-listener-not-matching-route-port", "same-namespace", "ResolvedRefs", "True");
        await ExpectParent("httproute-listener-not-matching-route-port", "same-namespace", "Accepted", "False", "NoMatchingParent");
        await ExpectNoAcceptedParents("httproute-listener-not-matching-route-port");
        await ExpectZeroRoutes("same-namespace");
    }

    [Fact]
    public async Task HTTPRouteServiceTypes()
    {
        // In a cluster the suite fills the manual EndpointSlices with infra-backend-v1's pod addresses (an IPv6 slice
        // stays empty on an IPv4 cluster), and the EndpointSlice controller makes the headless Service's slice from
        // its selector. Here both are written as they would then be, to infra-backend-v1's echo.
        var port = h.EchoPort("infra-backend-v1");
        static string Service(string name, string spec) => $$"""
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: {{name}}, namespace: {{Infra}} }
            spec: { {{spec}}ports: [{ name: first-port, protocol: TCP, port: 8080, targetPort: 3000 }] }

            """;
        string Slice(string name, string service, string family, bool filled) => $$"""
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: {{name}}, namespace: {{Infra}}, labels: { kubernetes.io/service-name: {{service}} } }
            addressType: {{family}}
            ports: [{ name: first-port, port: {{port}}, protocol: TCP }]
            endpoints: [{{(filled ? "{ addresses: [127.0.0.1], conditions: { ready: true, serving: true, terminating: false } }" : "")}}]

            """;
        await h.ScenarioAsync($$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: service-types, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules:
                - { matches: [{ path: { type: Exact, value: /manual-endpointslices } }], backendRefs: [{ name: manual-endpointslices, port: 8080 }] }
                - { matches: [{ path: { type: Exact, value: /headless } }], backendRefs: [{ name: headless, port: 8080 }] }
                - { matches: [{ path: { type: Exact, value: /headless-manual-endpointslices } }], backendRefs: [{ name: headless-manual-endpointslices, port: 8080 }] }

            """
            + Service("manual-endpointslices", "")
            + Slice("manual-endpointslices-ip4", "manual-endpointslices", "IPv4", filled: true)
            + Slice("manual-endpointslices-ip6", "manual-endpointslices", "IPv6", filled: false)
            + Service("headless", "clusterIP: None, selector: { app: infra-backend-v1 }, ")
            + Slice("headless-7kx2p", "headless", "IPv4", filled: true)
            + Service("headless-manual-endpointslices", "clusterIP: None, ")
            + Slice("headless-manual-endpointslices-ip4", "headless-manual-endpointslices", "IPv4", filled: true)
            + Slice("headless-manual-endpointslices-ip6", "headless-manual-endpointslices", "IPv6", filled: false),
            "service-types");

        await ExpectParent("service-types", "same-namespace", "Accepted", "True", "Accepted");
        await ExpectParent("service-types", "same-namespace", "ResolvedRefs", "True", "ResolvedRefs");
        foreach (var path in (string[])["/manual-endpointslices", "/headless-manual-endpointslices", "/headless"])
        {
            await h.ExpectBackendAsync(path, "infra-backend-v1");
        }
    }
}
