using System.Text;
using System.Text.Json.Nodes;
using Konnect.Testing;
using Konnect.Testing.Tls;
using static Konnect.Functional.Tests.ClusterMode.GatewayApiCluster;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// More of the conformance suite's Gateway tests (standard channel), in cluster mode on the fake API server: each test
/// is named as the suite names it, puts in the suite's own objects (on top of its base: the conformance namespaces,
/// Konnect's GatewayClass, infra-backend-v1, and the Secrets the suite makes at start), and reads the status back as the
/// suite's helpers read it (GatewayStatusMustHaveListeners, NamespacesMustBeReady, GWCMustHaveAcceptedConditionAny).
/// </summary>
public sealed class GatewayConformanceClusterModeTests : IAsyncLifetime
{
    private const string Infra = "gateway-conformance-infra";
    private const string WebBackend = "gateway-conformance-web-backend";
    private GatewayApiCluster _cluster = null!;

    /// <summary>A listener as the suite expects it: kinds among supportedKinds (none when none), attachedRoutes, and conditions (a null reason is any).</summary>
    private sealed record Expected(string Name, string[] Kinds, int AttachedRoutes, params (string Type, string Status, string? Reason)[] Conditions);

    public async Task InitializeAsync()
    {
        _cluster = await GatewayApiCluster.StartAsync();
        var backend = await _cluster.StartBackendAsync("infra-backend-v1");
        // The suite makes these two Secrets at start: self-signed, for "*" (and more names for the second).
        var certificate = TestCertificate.SelfSigned("*");
        var validity = TestCertificate.SelfSigned("*", "*.org", "*.wildcard.org");
        _cluster.Apply($$"""
            apiVersion: v1
            kind: Namespace
            metadata: { name: {{Infra}}, labels: { gateway-conformance: infra } }
            ---
            apiVersion: v1
            kind: Namespace
            metadata: { name: gateway-conformance-app-backend, labels: { gateway-conformance: backend } }
            ---
            apiVersion: v1
            kind: Namespace
            metadata: { name: {{WebBackend}}, labels: { gateway-conformance: backend } }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: { name: konnect }
            spec: { controllerName: {{ControllerName}} }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: infra-backend-v1, namespace: {{Infra}} }
            spec: { ports: [{ name: http, port: 8080 }] }
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: infra-backend-v1-1, namespace: {{Infra}}, labels: { kubernetes.io/service-name: infra-backend-v1 } }
            addressType: IPv4
            ports: [{ name: http, port: {{backend}} }]
            endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
            ---
            {{TlsSecret(WebBackend, "certificate", certificate)}}
            ---
            {{TlsSecret(Infra, "tls-validity-checks-certificate", validity)}}
            """);
        await _cluster.StartKonnectAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GatewaySecretReferenceGrantAllInNamespace()
    {
        _cluster.Apply($$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gateway-secret-reference-grant-all-in-namespace, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners:
                - name: https
                  port: 443
                  protocol: HTTPS
                  allowedRoutes: { namespaces: { from: All } }
                  tls: { certificateRefs: [{ group: "", kind: Secret, name: certificate, namespace: {{WebBackend}} }] }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata: { name: reference-grant-all-in-namespace, namespace: {{WebBackend}} }
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: {{Infra}} }]
              to: [{ group: "", kind: Secret }]
            """);

        await ListenersMustBeAsync("gateway-secret-reference-grant-all-in-namespace",
            new Expected("https", ["HTTPRoute"], 0, ("Programmed", "True", "Programmed"), ("ResolvedRefs", "True", null)));
    }

    [Fact]
    public async Task GatewaySecretInvalidReferenceGrant()
    {
        // Seven grants, each wrong in one way: the namespace it is in, the from group, kind or namespace, the to group, kind or name.
        static string Grant(string name, string ns, string fromGroup, string fromKind, string fromNamespace, string toGroup, string toKind, string toName) => $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata: { name: {{name}}, namespace: {{ns}} }
            spec:
              from: [{ group: {{fromGroup}}, kind: {{fromKind}}, namespace: {{fromNamespace}} }]
              to: [{ group: "{{toGroup}}", kind: {{toKind}}, name: {{toName}} }]
            """;
        const string group = "gateway.networking.k8s.io";
        _cluster.Apply(string.Join("\n---\n",
            $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: gateway-secret-invalid-reference-grant, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners:
                - name: https
                  port: 443
                  protocol: HTTPS
                  allowedRoutes: { namespaces: { from: All } }
                  tls: { certificateRefs: [{ group: "", kind: Secret, name: certificate, namespace: {{WebBackend}} }] }
            """,
            Grant("reference-grant-wrong-namespace", "gateway-conformance-app-backend", group, "Gateway", Infra, "", "Secret", "certificate"),
            Grant("reference-grant-wrong-from-group", WebBackend, "not-the-group-youre-looking-for", "Gateway", Infra, "", "Secret", "certificate"),
            Grant("reference-grant-wrong-from-kind", WebBackend, group, "HTTPRoute", Infra, "", "Secret", "certificate"),
            Grant("reference-grant-wrong-from-namespace", WebBackend, group, "Gateway", "not-the-namespace-youre-looking-for", "", "Secret", "certificate"),
            Grant("reference-grant-wrong-to-group", WebBackend, group, "Gateway", Infra, "not-the-group-youre-looking-for", "Secret", "not-the-certificate-youre-looking-for"),
            Grant("reference-grant-wrong-to-kind", WebBackend, group, "Gateway", Infra, "", "Service", "certificate"),
            Grant("reference-grant-wrong-to-name", WebBackend, group, "Gateway", Infra, "", "Secret", "not-the-certificate-youre-looking-for")));

        await ListenersMustBeAsync("gateway-secret-invalid-reference-grant",
            new Expected("https", ["HTTPRoute"], 0, ("ResolvedRefs", "False", "RefNotPermitted")));
    }

    [Fact]
    public async Task GatewayInvalidTLSConfiguration()
    {
        static string Gateway(string name, string reference) => $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: {{name}}, namespace: {{Infra}}, annotations: { gateway-api/skip-this-for-readiness: "true" } }
            spec:
              gatewayClassName: konnect
              listeners:
                - { name: https, port: 443, protocol: HTTPS, allowedRoutes: { namespaces: { from: All } }, tls: { certificateRefs: [{{reference}}] } }
            """;
        _cluster.Apply(string.Join("\n---\n",
            Gateway("gateway-certificate-nonexistent-secret", """{ group: "", kind: Secret, name: nonexistent-certificate }"""),
            Gateway("gateway-certificate-unsupported-group", "{ group: wrong.group.company.io, kind: Secret, name: tls-validity-checks-certificate }"),
            Gateway("gateway-certificate-unsupported-kind", """{ group: "", kind: WrongKind, name: tls-validity-checks-certificate }"""),
            Gateway("gateway-certificate-malformed-secret", """{ group: "", kind: Secret, name: malformed-certificate }"""),
            $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: malformed-certificate, namespace: {{Infra}} }
            type: kubernetes.io/tls
            # base64 of "Hello world", as both certificate and key: not PEM
            data: { tls.crt: SGVsbG8gd29ybGQK, tls.key: SGVsbG8gd29ybGQK }
            """));

        foreach (var name in new[] { "nonexistent-secret", "unsupported-group", "unsupported-kind", "malformed-secret" })
        {
            await ListenersMustBeAsync($"gateway-certificate-{name}",
                new Expected("https", ["HTTPRoute"], 0, ("ResolvedRefs", "False", "InvalidCertificateRef")));
        }
        // The malformed Secret's content is named by its key, never quoted.
        var status = _cluster.Status("Gateway", Infra, "gateway-certificate-malformed-secret").ToJsonString();
        Assert.DoesNotContain("SGVsbG8", status, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello world", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayModifyListeners()
    {
        const string https = "{ name: https, port: 443, protocol: HTTPS, hostname: secure.test.com, allowedRoutes: { namespaces: { from: All } }, "
            + $"tls: {{ certificateRefs: [{{ group: \"\", kind: Secret, name: tls-validity-checks-certificate, namespace: {Infra} }}] }} }}";
        static string Route(string name, string gateway) => $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: {{name}}, namespace: {{Infra}} }
            spec:
              parentRefs: [{ kind: Gateway, name: {{gateway}}, namespace: {{Infra}} }]
              rules: [{ backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
            """;
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
        Expected Listener(string name) => new(name, ["HTTPRoute"], 1, ("Accepted", "True", null), ("ResolvedRefs", "True", null));

        // A listener added: it becomes a listener of the Gateway, and the route (no sectionName) attaches to it as well.
        await NamespaceMustBeReadyAsync(Infra);
        var added = EditGateway("gateway-add-listener", listeners => listeners.Add(JsonNode.Parse(
            """{ "name": "http", "port": 80, "protocol": "HTTP", "hostname": "data.test.com", "allowedRoutes": { "namespaces": { "from": "All" } } }""")));
        await NamespaceMustBeReadyAsync(Infra);
        await ListenersMustBeAsync("gateway-add-listener", Listener("https"), Listener("http"));
        Assert.Equal(added, Generation("gateway-add-listener"));

        // A listener removed: its status goes with it.
        await NamespaceMustBeReadyAsync(Infra);
        var removed = EditGateway("gateway-remove-listener", listeners =>
        {
            Assert.Equal(2, listeners.Count);
            listeners.RemoveAt(listeners.Select(l => Str(l!["name"])).ToList().IndexOf("https"));
        });
        await NamespaceMustBeReadyAsync(Infra);
        await ListenersMustBeAsync("gateway-remove-listener", Listener("http"));
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
        await ClassMustBeAcceptedAsync("gatewayclass-observed-generation-bump");

        var gatewayClass = _cluster.Get("GatewayClass", null, "gatewayclass-observed-generation-bump")!;
        var original = Long(gatewayClass["metadata"]!["generation"]);
        gatewayClass["spec"]!["description"] = "new";
        var updated = Long(_cluster.Apply(gatewayClass)["metadata"]!["generation"]);
        Assert.NotEqual(original, updated);

        await ClassMustBeAcceptedAsync("gatewayclass-observed-generation-bump");
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
        var invalid = new Expected("invalid", [], 0, ("Accepted", "False", "UnsupportedProtocol"));

        // No listener accepted: neither is the Gateway.
        await GatewayMustHaveConditionAsync("gateway-only-unsupported-protocols", "Accepted", "False", "ListenersNotValid");
        await ListenersMustBeAsync("gateway-only-unsupported-protocols", invalid);

        // One accepted: the Gateway is, saying that not all are.
        await GatewayMustHaveConditionAsync("gateway-supported-and-unsupported-protocols", "Accepted", "True", "ListenersNotValid");
        await ListenersMustBeAsync("gateway-supported-and-unsupported-protocols", new Expected("http", ["HTTPRoute"], 0, ("Accepted", "True", "Accepted")), invalid);
    }

    /// <summary>The suite's GatewayMustHaveCondition: until the Gateway's conditions are all at its generation and that one is as expected.</summary>
    private Task GatewayMustHaveConditionAsync(string gateway, string type, string status, string reason) => Repo.EventuallyAsync(() => Task.FromResult(
        _cluster.Get("Gateway", Infra, gateway) is { } gw && gw["status"]?["conditions"] is JsonArray && LatestGenerationDiffers(gw) is null
        && Condition(gw["status"]!, type) is { } c && (Str(c["status"]), Str(c["reason"])) == (status, reason)), $"Gateway {gateway} {type} {status} {reason}");

    /// <summary>
    /// The suite's GatewayStatusMustHaveListeners: until the Gateway's conditions are all at its generation and its
    /// listeners are exactly those expected, by name.
    /// </summary>
    private async Task ListenersMustBeAsync(string gateway, params Expected[] expected)
    {
        string? why = null;
        try
        {
            await Repo.EventuallyAsync(() => Task.FromResult((why = ListenersDiffer(gateway, expected)) is null), $"Gateway {gateway}'s listeners as expected");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}: {why}; status {_cluster.Get("Gateway", Infra, gateway)?["status"]?.ToJsonString()}", e);
        }
    }

    /// <summary>Why the Gateway's status is not yet what the suite expects, or null when it is.</summary>
    private string? ListenersDiffer(string gateway, Expected[] expected)
    {
        if (_cluster.Get("Gateway", Infra, gateway) is not { } gw || gw["status"]?["conditions"] is not JsonArray) { return "no status"; }
        if (LatestGenerationDiffers(gw) is { } stale) { return stale; }
        var actual = gw["status"]!["listeners"]?.AsArray().OfType<JsonNode>().ToList() ?? [];
        if (actual.Count != expected.Length) { return $"{actual.Count} listeners"; }
        foreach (var listener in expected)
        {
            if (actual.FirstOrDefault(l => Str(l["name"]) == listener.Name) is not { } a) { return $"no listener {listener.Name}"; }
            var kinds = a["supportedKinds"]?.AsArray().OfType<JsonNode>().Select(k => (k["group"] is null ? "gateway.networking.k8s.io" : Str(k["group"]), Str(k["kind"]))).ToList() ?? [];
            if (listener.Kinds.Length == 0 && kinds.Count > 0) { return $"{listener.Name}: supportedKinds not empty"; }
            if (listener.Kinds.FirstOrDefault(k => !kinds.Contains(("gateway.networking.k8s.io", k))) is { } missing) { return $"{listener.Name}: {missing} not supported"; }
            if (a["attachedRoutes"]?.GetValue<int>() != listener.AttachedRoutes) { return $"{listener.Name}: attachedRoutes {a["attachedRoutes"]}"; }
            foreach (var (type, status, reason) in listener.Conditions)
            {
                if (Condition(a, type) is not { } c || Str(c["status"]) != status || (reason is not null && Str(c["reason"]) != reason))
                {
                    return $"{listener.Name}: {type} is not {status} {reason}";
                }
            }
        }
        return null;
    }

    /// <summary>The suite's NamespacesMustBeReady (Gateways part): every Gateway there not marked to skip is Accepted and Programmed, at its generation.</summary>
    private Task NamespaceMustBeReadyAsync(string ns) => Repo.EventuallyAsync(async () =>
    {
        var list = JsonNode.Parse(await _cluster.Http.GetStringAsync(new Uri(_cluster.Api.Url, $"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/gateways")))!;
        return list["items"]!.AsArray().OfType<JsonNode>()
            .Where(g => Str(g["metadata"]!["annotations"]?["gateway-api/skip-this-for-readiness"]) != "true")
            .All(g => g["status"]?["conditions"] is JsonArray && LatestGenerationDiffers(g) is null
                && Condition(g["status"]!, "Accepted") is { } accepted && Str(accepted["status"]) == "True"
                && Condition(g["status"]!, "Programmed") is { } programmed && Str(programmed["status"]) == "True");
    }, $"the Gateways in {ns} Accepted and Programmed");

    /// <summary>The suite's GWCMustHaveAcceptedConditionAny: Accepted set, every condition at the class's generation.</summary>
    private Task ClassMustBeAcceptedAsync(string name) => Repo.EventuallyAsync(() => Task.FromResult(
        _cluster.Get("GatewayClass", null, name) is { } gatewayClass && gatewayClass["status"]?["conditions"] is JsonArray
        && LatestGenerationDiffers(gatewayClass) is null && Condition(gatewayClass["status"]!, "Accepted") is not null), $"GatewayClass {name} Accepted");

    /// <summary>The suite's ConditionsHaveLatestObservedGeneration over the object's own conditions.</summary>
    private static string? LatestGenerationDiffers(JsonNode obj)
    {
        var generation = Long(obj["metadata"]!["generation"]);
        var stale = Conditions(obj["status"]!).Where(c => c["observedGeneration"] is not { } observed || Long(observed) != generation).Select(c => Str(c["type"])).ToList();
        return stale.Count == 0 ? null : $"conditions not at generation {generation}: {string.Join(", ", stale)}";
    }

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

    private static string TlsSecret(string ns, string name, TestCertificate certificate) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: { name: {{name}}, namespace: {{ns}} }
        type: kubernetes.io/tls
        data: { tls.crt: {{B64(certificate.CertificatePem)}}, tls.key: {{B64(certificate.KeyPem)}} }
        """;

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
