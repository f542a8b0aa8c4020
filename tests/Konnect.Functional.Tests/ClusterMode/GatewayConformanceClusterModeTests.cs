using System.Text.Json.Nodes;
using Konnect.Testing;
using static Konnect.Functional.Tests.ClusterMode.GatewayApiCluster;
using static Konnect.Functional.Tests.ClusterMode.SuiteChecks;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// More of the conformance suite's Gateway tests (standard channel), in cluster mode on the fake API server: each test
/// is named as the suite names it, puts in the suite's own objects (on top of its base: the conformance namespaces,
/// Konnect's GatewayClass, infra-backend-v1, and the Secrets the suite makes at start), and reads the status back as the
/// suite's helpers read it (GatewayStatusMustHaveListeners, NamespacesMustBeReady, GWCMustHaveAcceptedConditionAny).
/// </summary>
public sealed class GatewayConformanceClusterModeTests : IAsyncLifetime
{
    private GatewayApiCluster _cluster = null!;
    private SuiteChecks _suite = null!;

    public async Task InitializeAsync() => (_cluster, _suite) = await SuiteChecks.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GatewayObservedGenerationBump()
    {
        _cluster.Apply(Gateway("gateway-observed-generation-bump", "{ name: http, hostname: bar.com, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }"));
        await _suite.NamespacesMustBeReadyAsync();

        var generation = EditGateway("gateway-observed-generation-bump", listeners => listeners.Add(JsonNode.Parse(
            """{ "name": "alternate", "hostname": "foo.com", "port": 80, "protocol": "HTTP", "allowedRoutes": { "namespaces": { "from": "All" } } }""")));

        await _suite.NamespacesMustBeReadyAsync();
        Assert.Equal(generation, Generation("gateway-observed-generation-bump"));
    }

    [Fact]
    public async Task GatewayInvalidRouteKind()
    {
        _cluster.Apply(string.Join("\n---\n",
            Gateway("gateway-only-invalid-route-kind",
                "{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All }, kinds: [{ kind: InvalidRoute }] } }", skipReadiness: true),
            Gateway("gateway-supported-and-invalid-route-kind",
                "{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All }, kinds: [{ kind: InvalidRoute }, { kind: HTTPRoute }] } }", skipReadiness: true)));

        // No kind Konnect supports: none listed. One: only it listed. Either way ResolvedRefs says which were not.
        await _suite.GatewayStatusMustHaveListenersAsync("gateway-only-invalid-route-kind",
            new ExpectedListener("http", [], 0, ("ResolvedRefs", "False", "InvalidRouteKinds")));
        await _suite.GatewayStatusMustHaveListenersAsync("gateway-supported-and-invalid-route-kind",
            new ExpectedListener("http", ["HTTPRoute"], 0, ("ResolvedRefs", "False", "InvalidRouteKinds")));
    }

    [Fact]
    public async Task GatewayModifyListeners()
    {
        const string https = "{ name: https, port: 443, protocol: HTTPS, hostname: secure.test.com, allowedRoutes: { namespaces: { from: All } }, "
            + $"tls: {{ certificateRefs: [{{ group: \"\", kind: Secret, name: tls-validity-checks-certificate, namespace: {Infra} }}] }} }}";
        _cluster.Apply($$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gateway-add-listener, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners: [{{https}}]
            ---
            {{Route("http-route-1", "gateway-add-listener")}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gateway-remove-listener, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners: [{{https}}, { name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }]
            ---
            {{Route("http-route-2", "gateway-remove-listener")}}
            """);
        ExpectedListener Listener(string name) => new(name, ["HTTPRoute"], 1, ("Accepted", "True", null), ("ResolvedRefs", "True", null));

        // A listener added: it becomes a listener of the Gateway, and the route (no sectionName) attaches to it as well.
        await _suite.NamespacesMustBeReadyAsync();
        var added = EditGateway("gateway-add-listener", listeners => listeners.Add(JsonNode.Parse(
            """{ "name": "http", "port": 80, "protocol": "HTTP", "hostname": "data.test.com", "allowedRoutes": { "namespaces": { "from": "All" } } }""")));
        await _suite.NamespacesMustBeReadyAsync();
        await _suite.GatewayStatusMustHaveListenersAsync("gateway-add-listener", Listener("https"), Listener("http"));
        Assert.Equal(added, Generation("gateway-add-listener"));

        // A listener removed: its status goes with it.
        await _suite.NamespacesMustBeReadyAsync();
        var removed = EditGateway("gateway-remove-listener", listeners =>
        {
            Assert.Equal(2, listeners.Count);
            listeners.RemoveAt(listeners.Select(l => Str(l!["name"])).ToList().IndexOf("https"));
        });
        await _suite.NamespacesMustBeReadyAsync();
        await _suite.GatewayStatusMustHaveListenersAsync("gateway-remove-listener", Listener("http"));
        Assert.Equal(removed, Generation("gateway-remove-listener"));
    }

    [Fact]
    public async Task GatewayClassObservedGenerationBump()
    {
        _cluster.Apply($$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: { name: gatewayclass-observed-generation-bump }
            spec: { controllerName: {{ControllerName}}, description: old }
            """);
        await _suite.GwcMustHaveAcceptedConditionAnyAsync("gatewayclass-observed-generation-bump");

        var gatewayClass = _cluster.Get("GatewayClass", null, "gatewayclass-observed-generation-bump")!;
        var original = Long(gatewayClass["metadata"]!["generation"]);
        gatewayClass["spec"]!["description"] = "new";
        var updated = Long(_cluster.Apply(gatewayClass)["metadata"]!["generation"]);
        Assert.NotEqual(original, updated);

        await _suite.GwcMustHaveAcceptedConditionAnyAsync("gatewayclass-observed-generation-bump");
        Assert.All(Conditions(_cluster.Status("GatewayClass", null, "gatewayclass-observed-generation-bump")),
            c => Assert.Equal(updated, Long(c["observedGeneration"])));
    }

    [Fact]
    public async Task GatewayListenerUnsupportedProtocol()
    {
        _cluster.Apply($$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gateway-only-unsupported-protocols, namespace: {{Infra}}, annotations: { gateway-api/skip-this-for-readiness: "true" } }
            spec:
              gatewayClassName: konnect
              listeners: [{ name: invalid, port: 1111, protocol: INVALID }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gateway-supported-and-unsupported-protocols, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners: [{ name: http, port: 80, protocol: HTTP }, { name: invalid, port: 1111, protocol: INVALID }]
            """);
        var invalid = new ExpectedListener("invalid", [], 0, ("Accepted", "False", "UnsupportedProtocol"));

        // No listener accepted: neither is the Gateway.
        await _suite.GatewayMustHaveConditionAsync("gateway-only-unsupported-protocols", "Accepted", "False", "ListenersNotValid");
        await _suite.GatewayStatusMustHaveListenersAsync("gateway-only-unsupported-protocols", invalid);

        // One accepted: the Gateway is, saying that not all are.
        await _suite.GatewayMustHaveConditionAsync("gateway-supported-and-unsupported-protocols", "Accepted", "True", "ListenersNotValid");
        await _suite.GatewayStatusMustHaveListenersAsync("gateway-supported-and-unsupported-protocols", new ExpectedListener("http", ["HTTPRoute"], 0, ("Accepted", "True", "Accepted")), invalid);
    }

    [Fact]
    public async Task GatewayWithAttachedRoutes()
    {
        const string admitted = "allowedRoutes: { kinds: [{ kind: HTTPRoute }], namespaces: { from: Selector, selector: { matchLabels: { kubernetes.io/metadata.name: " + Infra + " } } } }";
        _cluster.Apply(string.Join("\n---\n",
            Gateway("gateway-with-one-attached-route", $"{{ name: http, port: 80, protocol: HTTP, {admitted} }}"),
            Route("http-route-1", "gateway-with-one-attached-route"),
            Gateway("gateway-with-two-attached-routes", $"{{ name: http, port: 80, protocol: HTTP, hostname: foo.example.com, {admitted} }}"),
            Route("http-route-2", "gateway-with-two-attached-routes"),
            Route("http-route-3", "gateway-with-two-attached-routes"),
            Route("http-route-not-accepted", "gateway-with-two-attached-routes", hostnames: "[not-accepted.test.com]"),
            Gateway("unresolved-gateway-with-one-attached-unresolved-route",
                $"{{ name: tls, port: 443, protocol: HTTPS, {admitted}, tls: {{ certificateRefs: [{{ group: \"\", kind: Secret, name: does-not-exist }}], mode: Terminate }} }}", skipReadiness: true),
            Route("http-route-4", "unresolved-gateway-with-one-attached-unresolved-route", sectionName: "tls", backend: "does-not-exist")));

        // One valid route attached.
        await _suite.GatewayStatusMustHaveListenersAsync("gateway-with-one-attached-route",
            new ExpectedListener("http", ["HTTPRoute"], 1, ("Accepted", "True", null), ("ResolvedRefs", "True", null)));
        // Two: the third route's hostname matches no listener's, so it is not accepted and not counted.
        await _suite.GatewayStatusMustHaveListenersAsync("gateway-with-two-attached-routes",
            new ExpectedListener("http", ["HTTPRoute"], 2, ("Accepted", "True", null), ("ResolvedRefs", "True", null)));
        await _suite.HttpRouteMustHaveConditionAsync("http-route-not-accepted", "gateway-with-two-attached-routes", "Accepted", "False", "NoMatchingListenerHostname");
        // A listener whose certificate does not resolve still counts the route attached to it, itself with an unresolved backend.
        await _suite.GatewayStatusMustHaveListenersAsync("unresolved-gateway-with-one-attached-unresolved-route",
            new ExpectedListener("tls", ["HTTPRoute"], 1, ("Programmed", "False", null), ("ResolvedRefs", "False", null)));
        await _suite.HttpRouteMustHaveConditionAsync("http-route-4", "unresolved-gateway-with-one-attached-unresolved-route", "ResolvedRefs", "False", null);
    }

    [Fact]
    public async Task GatewayWithAttachedRoutesWithPort8080()
    {
        const string admitted = "allowedRoutes: { kinds: [{ kind: HTTPRoute }], namespaces: { from: All } }";
        _cluster.Apply(string.Join("\n---\n",
            Gateway("gateway-with-two-listeners-and-one-attached-route",
                $"{{ name: http-unattached, port: 8080, protocol: HTTP, {admitted} }}, {{ name: http, port: 80, protocol: HTTP, {admitted} }}"),
            Route("http-route-4-port-8080", "gateway-with-two-listeners-and-one-attached-route", sectionName: "http")));

        await _suite.GatewayStatusMustHaveListenersAsync("gateway-with-two-listeners-and-one-attached-route",
            new ExpectedListener("http-unattached", ["HTTPRoute"], 0, ("Accepted", "True", null), ("ResolvedRefs", "True", null)),
            new ExpectedListener("http", ["HTTPRoute"], 1, ("Accepted", "True", null), ("ResolvedRefs", "True", null)));
    }

    private static string Gateway(string name, string listeners, bool skipReadiness = false) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: {{name}}, namespace: {{Infra}}{{(skipReadiness ? ", annotations: { gateway-api/skip-this-for-readiness: \"true\" }" : "")}} }
        spec: { gatewayClassName: konnect, listeners: [{{listeners}}] }
        """;

    private static string Route(string name, string gateway, string? sectionName = null, string backend = "infra-backend-v1", string? hostnames = null) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: {{name}}, namespace: {{Infra}} }
        spec:
          parentRefs: [{ kind: Gateway, name: {{gateway}}, namespace: {{Infra}}{{(sectionName is null ? "" : $", sectionName: {sectionName}")}} }]
          hostnames: {{hostnames ?? "[]"}}
          rules: [{ backendRefs: [{ name: {{backend}}, port: 8080 }] }]
        """;

    /// <summary>Edits the Gateway's listeners as a client would (read, change, write), and returns its new generation.</summary>
    private long EditGateway(string name, Action<JsonArray> edit)
    {
        var gateway = _cluster.Get("Gateway", Infra, name)!;
        var before = Long(gateway["metadata"]!["generation"]);
        edit(gateway["spec"]!["listeners"]!.AsArray());
        var after = Long(_cluster.Apply(gateway)["metadata"]!["generation"]);
        Assert.NotEqual(before, after);
        return after;
    }

    private long Generation(string gateway) => Long(_cluster.Get("Gateway", Infra, gateway)!["metadata"]!["generation"]);
}
