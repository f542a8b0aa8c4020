using System.Net;
using System.Text.Json.Nodes;
using Konnect.Testing;
using Konnect.Testing.Tls;
using static Konnect.Functional.Tests.ClusterMode.GatewayApiCluster;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// The Gateway API in cluster mode: `konnect run --kubeconfig` against the fake API server, real Kestrel backends. A
/// cluster without the Gateway API CRDs is served without them (one log line says so); once they are installed, a
/// GatewayClass, Gateway and HTTPRoute put into the API server are served with no restart, and the leader writes the
/// status of all three in the specification's shape. The conformance suite's Gateway tests, with its own objects, are
/// replayed under their names in GatewayConformanceClusterModeTests and GatewaySecretConformanceClusterModeTests.
/// </summary>
public sealed class GatewayApiClusterModeTests : IAsyncLifetime
{
    private GatewayApiCluster _cluster = null!;
    private int _web;

    /// <summary>Konnect's class, a Gateway in infra admitting routes from every namespace, a route in shop and its Service.</summary>
    private const string Manifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: { name: konnect }
        spec: { controllerName: konnect.dev/gateway-controller }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: gw, namespace: infra }
        spec:
          gatewayClassName: konnect
          listeners: [{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }]
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: web, namespace: shop }
        spec: { ports: [{ name: http, port: 8080 }] }
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: web-1, namespace: shop, labels: { kubernetes.io/service-name: web } }
        addressType: IPv4
        ports: [{ name: http, port: {WEB} }]
        endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web, namespace: shop }
        spec:
          parentRefs: [{ name: gw, namespace: infra }]
          hostnames: [web.example.com]
          rules: [{ matches: [{ path: { type: PathPrefix, value: /web } }], backendRefs: [{ name: web, port: 8080 }] }]
        """;

    public async Task InitializeAsync()
    {
        _cluster = await GatewayApiCluster.StartAsync();
        _web = await _cluster.StartBackendAsync("web");
    }

    private Task StartKonnectAsync() => _cluster.StartKonnectAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GatewayApi_CrdsMissingAtStart_ServesWithoutThemAndSaysSoOnce_ThenServedWhenInstalled()
    {
        _cluster.Api.SetGatewayApiAbsent();
        _cluster.Apply(Yaml().Where(d => Kind(d) is "Service" or "EndpointSlice"));
        _cluster.Api.Put(Collections["KonnectRoute"], JsonNode.Parse("""
            { "apiVersion": "konnect.dev/v1alpha1", "kind": "KonnectRoute", "metadata": { "name": "probe", "namespace": "shop" },
              "spec": { "hosts": ["probe.example.com"], "rules": [{ "backends": [{ "service": "web", "port": 8080 }] }] } }
            """)!.AsObject());
        await StartKonnectAsync();

        // Ready and serving, while every Gateway API list keeps answering 404 (retried, not waited for).
        await Repo.EventuallyAsync(async () => await _cluster.AnswerAsync("probe.example.com", "/") == "200 web /", "the KonnectRoute served");
        Assert.Equal(HttpStatusCode.OK, (await _cluster.Http.GetAsync($"http://127.0.0.1:{_cluster.Admin}/readyz")).StatusCode);
        await Repo.EventuallyAsync(() => Task.FromResult(_cluster.Api.CountRequests("GET", "/gatewayclasses") >= 3), "the GatewayClass list retried");
        var missing = _cluster.Logs.Lines.Where(l => l.Contains("Gateway API CRDs are not installed", StringComparison.Ordinal)).ToList();
        Assert.Single(missing);
        Assert.StartsWith("Information ", missing[0], StringComparison.Ordinal);
        Assert.DoesNotContain(_cluster.Logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains("gateway.networking.k8s.io", StringComparison.Ordinal));

        _cluster.Api.SetGatewayApiAbsent(false);
        _cluster.Apply(Yaml());

        await Repo.EventuallyAsync(async () => await _cluster.AnswerAsync("web.example.com", "/web/1") == "200 web /web/1", "the HTTPRoute served with no restart");
        await EventuallyStatusAsync();
        // GatewayClass: Accepted.
        var accepted = Assert.Single(Conditions(_cluster.Status("GatewayClass", null, "konnect")));
        AssertCondition(accepted, "Accepted", "True", "Accepted", 1);
        // Gateway: Accepted and Programmed; its listener with the kinds it takes and the one route attached; the published addresses.
        var gateway = _cluster.Status("Gateway", "infra", "gw");
        Assert.Equal(["Accepted", "Programmed"], Conditions(gateway).Select(c => Str(c["type"])));
        Assert.All(Conditions(gateway), c => AssertCondition(c, Str(c["type"]), "True", Str(c["type"]), 1));
        var listener = Assert.Single(gateway["listeners"]!.AsArray())!;
        Assert.Equal(("http", 1), (Str(listener["name"]), listener["attachedRoutes"]!.GetValue<int>()));
        Assert.Equal([("gateway.networking.k8s.io", "HTTPRoute"), ("gateway.networking.k8s.io", "GRPCRoute")],
            listener["supportedKinds"]!.AsArray().Select(k => (Str(k!["group"]), Str(k["kind"]))));
        Assert.Equal(["Accepted", "Programmed", "ResolvedRefs", "Conflicted"], Conditions(listener).Select(c => Str(c["type"])));
        Assert.All(Conditions(listener), c => AssertCondition(c, Str(c["type"]), Str(c["type"]) == "Conflicted" ? "False" : "True", null, 1));
        Assert.Equal([("IPAddress", "203.0.113.7"), ("Hostname", "gw.example.com")], gateway["addresses"]!.AsArray().Select(a => (Str(a!["type"]), Str(a["value"]))));
        // HTTPRoute: one parent, Konnect's, Accepted and ResolvedRefs.
        var parent = Assert.Single(_cluster.Status("HTTPRoute", "shop", "web")["parents"]!.AsArray())!;
        Assert.Equal((ControllerName, "gw", "infra"), (Str(parent["controllerName"]), Str(parent["parentRef"]!["name"]), Str(parent["parentRef"]!["namespace"])));
        Assert.Equal(["Accepted", "ResolvedRefs"], Conditions(parent).Select(c => Str(c["type"])));
        Assert.All(Conditions(parent), c => AssertCondition(c, Str(c["type"]), "True", Str(c["type"]), 1));
        // Said once every Gateway API kind has listed: the HTTPRoute is served before the slowest (a GRPCRoute or
        // ReferenceGrant list still in its retry delay) lists.
        await Repo.EventuallyAsync(() => Task.FromResult(_cluster.Logs.Lines.Any(l => l.Contains("Gateway API CRDs are installed now", StringComparison.Ordinal))),
            "the CRDs said to be installed");
        Assert.Single(_cluster.Logs.Lines, l => l.Contains("Gateway API CRDs are installed now", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gateway_ListenerAdded_EveryConditionAtTheNewGeneration_TransitionTimeKept()
    {
        await StartWithGatewayApiAsync();
        var before = Str(Conditions(_cluster.Status("Gateway", "infra", "gw"))[0]["lastTransitionTime"]);

        var gateway = _cluster.Api.Get(Collections["Gateway"], "infra", "gw")!;
        gateway["spec"]!["listeners"]!.AsArray().Add(JsonNode.Parse("""{ "name": "http-8080", "port": 8080, "protocol": "HTTP" }"""));
        Assert.Equal(2, _cluster.Api.Put(Collections["Gateway"], gateway)["metadata"]!["generation"]!.GetValue<long>());

        await Repo.EventuallyAsync(() => Task.FromResult(_cluster.Status("Gateway", "infra", "gw")["listeners"]!.AsArray().Count == 2
            && AllConditions(_cluster.Status("Gateway", "infra", "gw")).All(c => c["observedGeneration"]!.GetValue<long>() == 2)), "every condition at generation 2");
        // Still Accepted: the transition time stays.
        Assert.Equal(before, Str(Conditions(_cluster.Status("Gateway", "infra", "gw"))[0]["lastTransitionTime"]));
    }

    [Fact]
    public async Task HTTPRouteObservedGenerationBump()
    {
        await StartWithGatewayApiAsync();

        var route = _cluster.Api.Get(Collections["HTTPRoute"], "shop", "web")!;
        route["spec"]!["rules"]![0]!["matches"]![0]!["path"]!["value"] = "/two";
        Assert.Equal(2, _cluster.Api.Put(Collections["HTTPRoute"], route)["metadata"]!["generation"]!.GetValue<long>());

        await Repo.EventuallyAsync(() => Task.FromResult(Conditions(Assert.Single(_cluster.Status("HTTPRoute", "shop", "web")["parents"]!.AsArray())!)
            .All(c => c["observedGeneration"]!.GetValue<long>() == 2)), "the parent's conditions at generation 2");
        await Repo.EventuallyAsync(async () => await _cluster.AnswerAsync("web.example.com", "/two") == "200 web /two", "the edited path served");
        Assert.Equal("404", await _cluster.AnswerAsync("web.example.com", "/web/1"));
    }

    [Fact]
    public async Task Gateway_SecondListenerWithItsOwnHostname_AttachedRoutesCountedPerListener()
    {
        await StartWithGatewayApiAsync();
        // A second listener with its own hostname, and a route in the same namespace restricted by its default (Same).
        var gateway = _cluster.Api.Get(Collections["Gateway"], "infra", "gw")!;
        gateway["spec"]!["listeners"]!.AsArray().Add(JsonNode.Parse("""{ "name": "unmatched", "port": 8080, "protocol": "HTTP", "hostname": "nowhere.example.net", "allowedRoutes": { "namespaces": { "from": "All" } } }"""));
        _cluster.Api.Put(Collections["Gateway"], gateway);
        _cluster.Apply(Documents("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: second, namespace: shop }
            spec:
              parentRefs: [{ name: gw, namespace: infra, sectionName: http }]
              hostnames: [second.example.com]
              rules: [{ backendRefs: [{ name: web, port: 8080 }] }]
            """));

        await Repo.EventuallyAsync(() => Task.FromResult(Listeners().GetValueOrDefault("http") == 2 && Listeners().GetValueOrDefault("unmatched", -1) == 0),
            "attachedRoutes: http 2, unmatched 0");
        await Repo.EventuallyAsync(async () => await _cluster.AnswerAsync("second.example.com", "/x") == "200 web /x", "the second route served");
    }

    [Fact]
    public async Task Gateway_ListenersWithInvalidRouteKinds_ResolvedRefsFalse_OnlySupportedKindsListed()
    {
        await StartWithGatewayApiAsync();
        _cluster.Apply(Documents("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: invalid-kinds, namespace: infra }
            spec:
              gatewayClassName: konnect
              listeners:
                - { name: only-invalid, port: 80, protocol: HTTP, hostname: a.example.com, allowedRoutes: { kinds: [{ kind: FooRoute }] } }
                - { name: some-valid, port: 80, protocol: HTTP, hostname: b.example.com, allowedRoutes: { kinds: [{ kind: HTTPRoute }, { kind: FooRoute }] } }
            """));

        await Repo.EventuallyAsync(() => Task.FromResult(_cluster.Api.Get(Collections["Gateway"], "infra", "invalid-kinds")!["status"]?["listeners"] is JsonArray { Count: 2 }),
            "the listeners' status");
        var listeners = _cluster.Status("Gateway", "infra", "invalid-kinds")["listeners"]!.AsArray().ToDictionary(l => Str(l!["name"]), l => l!);
        foreach (var name in new[] { "only-invalid", "some-valid" })
        {
            var resolved = Conditions(listeners[name]).Single(c => Str(c["type"]) == "ResolvedRefs");
            Assert.Equal(("False", "InvalidRouteKinds"), (Str(resolved["status"]), Str(resolved["reason"])));
            Assert.Equal(0, listeners[name]["attachedRoutes"]!.GetValue<int>());
        }
        Assert.Empty(listeners["only-invalid"]["supportedKinds"]!.AsArray());
        Assert.Equal(["HTTPRoute"], listeners["some-valid"]["supportedKinds"]!.AsArray().Select(k => Str(k!["kind"])));
    }

    [Fact]
    public async Task HttpRoute_NamespaceLabelledAfterwards_AdmittedByTheListenersSelector_WarningEventBefore()
    {
        await StartWithGatewayApiAsync();
        _cluster.Apply(Documents("""
            apiVersion: v1
            kind: Namespace
            metadata: { name: apps }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: selective, namespace: infra }
            spec:
              gatewayClassName: konnect
              listeners: [{ name: http, port: 80, protocol: HTTP, hostname: apps.example.com, allowedRoutes: { namespaces: { from: Selector, selector: { matchLabels: { gateway-access: "yes" } } } } }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: app, namespace: apps }
            spec:
              parentRefs: [{ name: selective, namespace: infra }]
              rules: [{ backendRefs: [{ name: web, namespace: shop, port: 8080 }] }]
            """));

        await Repo.EventuallyAsync(() => Task.FromResult(ParentAccepted("apps", "app") == "False"), "the route refused by the listener");
        await Repo.EventuallyAsync(async () => (await EventsAsync("apps")).Count > 0, "a Warning Event on the HTTPRoute");
        var ev = Assert.Single(await EventsAsync("apps"));
        Assert.Equal(("Warning", "NotAllowedByListeners", "HTTPRoute", "app"), (Str(ev["type"]), Str(ev["reason"]), Str(ev["regarding"]!["kind"]), Str(ev["regarding"]!["name"])));
        Assert.StartsWith("parent infra/selective: ", Str(ev["note"]), StringComparison.Ordinal);

        _cluster.Api.Put(Collections["Namespace"], JsonNode.Parse("""{ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "apps", "labels": { "gateway-access": "yes" } } }""")!.AsObject());

        await Repo.EventuallyAsync(() => Task.FromResult(ParentAccepted("apps", "app") == "True"), "the route admitted once its namespace is labelled");
        Assert.Single(await EventsAsync("apps"));
    }

    [Fact]
    public async Task HttpsListener_SecretInAnotherNamespace_NoReferenceGrant_RefNotPermittedAndNotProgrammed()
    {
        await StartWithGatewayApiAsync();
        ApplyHttpsGateway(grantName: null);

        await Repo.EventuallyAsync(() => Task.FromResult(HttpsResolvedRefs() is ("False", "RefNotPermitted")), "ResolvedRefs False RefNotPermitted");
        var programmed = Conditions(HttpsListener()).Single(c => Str(c["type"]) == "Programmed");
        Assert.Equal("False", Str(programmed["status"]));
    }

    [Fact]
    public async Task HttpsListener_SecretInAnotherNamespace_GrantForIt_ResolvedAndProgrammed()
    {
        await StartWithGatewayApiAsync();
        ApplyHttpsGateway(grantName: "certificate");

        await Repo.EventuallyAsync(() => Task.FromResult(HttpsResolvedRefs() is ("True", "ResolvedRefs")), "ResolvedRefs True");
        Assert.Equal("True", Str(Conditions(HttpsListener()).Single(c => Str(c["type"]) == "Programmed")["status"]));
    }

    /// <summary>An HTTPS listener whose certificate is a Secret in another namespace; a ReferenceGrant for that Secret's name when given.</summary>
    private void ApplyHttpsGateway(string? grantName)
    {
        var certificate = TestCertificate.SelfSigned("secure.example.com");
        static string B64(string pem) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(pem));
        var grant = grantName is null ? "" : $$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: { name: gateway-certificates, namespace: certs }
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: infra }]
              to: [{ group: "", kind: Secret, name: {{grantName}} }]
            """;
        _cluster.Apply(Documents($$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: certificate, namespace: certs }
            type: kubernetes.io/tls
            data: { tls.crt: {{B64(certificate.CertificatePem)}}, tls.key: {{B64(certificate.KeyPem)}} }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: secure, namespace: infra }
            spec:
              gatewayClassName: konnect
              listeners:
                - name: https
                  port: 443
                  protocol: HTTPS
                  hostname: secure.example.com
                  tls: { certificateRefs: [{ name: certificate, namespace: certs }] }
            {{grant}}
            """));
    }

    private JsonNode HttpsListener() => Assert.Single(_cluster.Status("Gateway", "infra", "secure")["listeners"]!.AsArray())!;

    private (string, string)? HttpsResolvedRefs() =>
        _cluster.Api.Get(Collections["Gateway"], "infra", "secure")?["status"]?["listeners"]?[0] is { } listener
            ? Conditions(listener).Where(c => Str(c["type"]) == "ResolvedRefs").Select(c => (Str(c["status"]), Str(c["reason"]))).FirstOrDefault()
            : null;

    private async Task StartWithGatewayApiAsync()
    {
        _cluster.Apply(Yaml());
        await StartKonnectAsync();
        await Repo.EventuallyAsync(async () => await _cluster.AnswerAsync("web.example.com", "/web/1") == "200 web /web/1", "the HTTPRoute served");
        await EventuallyStatusAsync();
    }

    private Task EventuallyStatusAsync() => Repo.EventuallyAsync(() => Task.FromResult(
        _cluster.Api.Get(Collections["GatewayClass"], null, "konnect")?["status"]?["conditions"] is JsonArray { Count: > 0 }
        && _cluster.Api.Get(Collections["Gateway"], "infra", "gw")?["status"]?["listeners"] is JsonArray { Count: > 0 }
        && _cluster.Api.Get(Collections["HTTPRoute"], "shop", "web")?["status"]?["parents"] is JsonArray { Count: > 0 }), "the status of the GatewayClass, Gateway and HTTPRoute written");

    private Dictionary<string, int> Listeners() =>
        (_cluster.Api.Get(Collections["Gateway"], "infra", "gw")!["status"]?["listeners"]?.AsArray() ?? []).ToDictionary(l => Str(l!["name"]), l => l!["attachedRoutes"]!.GetValue<int>());

    private string? ParentAccepted(string ns, string name) =>
        _cluster.Api.Get(Collections["HTTPRoute"], ns, name)?["status"]?["parents"]?[0] is { } parent
            ? Conditions(parent).Where(c => Str(c["type"]) == "Accepted").Select(c => Str(c["status"])).FirstOrDefault()
            : null;

    private static IEnumerable<JsonNode> AllConditions(JsonNode gatewayStatus) =>
        Conditions(gatewayStatus).Concat(gatewayStatus["listeners"]!.AsArray().SelectMany(l => Conditions(l!)));

    /// <summary>A condition as the specification shapes it: type, status, reason, message, observedGeneration, lastTransitionTime.</summary>
    private static void AssertCondition(JsonNode condition, string type, string status, string? reason, long generation)
    {
        Assert.Equal((type, status), (Str(condition["type"]), Str(condition["status"])));
        if (reason is not null) { Assert.Equal(reason, Str(condition["reason"])); }
        Assert.NotNull(condition["message"]);
        Assert.Equal(generation, condition["observedGeneration"]!.GetValue<long>());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", Str(condition["lastTransitionTime"]));
    }

    /// <summary>The Events in a namespace about HTTPRoutes, read as `kubectl events` reads them.</summary>
    private async Task<List<JsonNode>> EventsAsync(string ns)
    {
        var list = JsonNode.Parse(await _cluster.Http.GetStringAsync(new Uri(_cluster.Api.Url, $"/apis/events.k8s.io/v1/namespaces/{ns}/events")))!;
        return [.. list["items"]!.AsArray().OfType<JsonNode>().Where(e => Str(e["regarding"]?["kind"]) == "HTTPRoute")];
    }

    private IEnumerable<JsonObject> Yaml() => Documents(Manifests.Replace("{WEB}", _web.ToString(), StringComparison.Ordinal));
}
