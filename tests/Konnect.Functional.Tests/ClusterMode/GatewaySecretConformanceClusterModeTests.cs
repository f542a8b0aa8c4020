using static Konnect.Functional.Tests.ClusterMode.GatewayApiCluster;
using static Konnect.Functional.Tests.ClusterMode.SuiteChecks;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// The conformance suite's Gateway tests of listener certificates (standard channel), in cluster mode on the fake API
/// server, named as the suite names them: its objects in, on its base (<see cref="SuiteChecks.StartAsync"/>), and its
/// status checks out. A Secret in another namespace needs a ReferenceGrant that names Gateways of the listener's
/// namespace and that Secret (or all Secrets); a reference Konnect cannot use is InvalidCertificateRef.
/// </summary>
public sealed class GatewaySecretConformanceClusterModeTests : IAsyncLifetime
{
    private GatewayApiCluster _cluster = null!;
    private SuiteChecks _suite = null!;

    public async Task InitializeAsync() => (_cluster, _suite) = await SuiteChecks.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GatewaySecretMissingReferenceGrant()
    {
        _cluster.Apply(HttpsGateway("gateway-secret-missing-reference-grant"));

        await _suite.GatewayStatusMustHaveListenersAsync("gateway-secret-missing-reference-grant",
            new ExpectedListener("https", ["HTTPRoute"], 0, ("ResolvedRefs", "False", "RefNotPermitted")));
    }

    [Fact]
    public async Task GatewaySecretReferenceGrantSpecific()
    {
        _cluster.Apply($$"""
            {{HttpsGateway("gateway-secret-reference-grant-specific")}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata: { name: reference-grant-specific, namespace: {{WebBackend}} }
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: {{Infra}} }]
              to: [{ group: "", kind: Secret, name: certificate }]
            """);

        await _suite.GatewayStatusMustHaveListenersAsync("gateway-secret-reference-grant-specific",
            new ExpectedListener("https", ["HTTPRoute"], 0, ("Programmed", "True", "Programmed"), ("ResolvedRefs", "True", null)));
    }

    [Fact]
    public async Task GatewaySecretReferenceGrantAllInNamespace()
    {
        _cluster.Apply($$"""
            {{HttpsGateway("gateway-secret-reference-grant-all-in-namespace")}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata: { name: reference-grant-all-in-namespace, namespace: {{WebBackend}} }
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: {{Infra}} }]
              to: [{ group: "", kind: Secret }]
            """);

        await _suite.GatewayStatusMustHaveListenersAsync("gateway-secret-reference-grant-all-in-namespace",
            new ExpectedListener("https", ["HTTPRoute"], 0, ("Programmed", "True", "Programmed"), ("ResolvedRefs", "True", null)));
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
            HttpsGateway("gateway-secret-invalid-reference-grant"),
            Grant("reference-grant-wrong-namespace", "gateway-conformance-app-backend", group, "Gateway", Infra, "", "Secret", "certificate"),
            Grant("reference-grant-wrong-from-group", WebBackend, "not-the-group-youre-looking-for", "Gateway", Infra, "", "Secret", "certificate"),
            Grant("reference-grant-wrong-from-kind", WebBackend, group, "HTTPRoute", Infra, "", "Secret", "certificate"),
            Grant("reference-grant-wrong-from-namespace", WebBackend, group, "Gateway", "not-the-namespace-youre-looking-for", "", "Secret", "certificate"),
            Grant("reference-grant-wrong-to-group", WebBackend, group, "Gateway", Infra, "not-the-group-youre-looking-for", "Secret", "not-the-certificate-youre-looking-for"),
            Grant("reference-grant-wrong-to-kind", WebBackend, group, "Gateway", Infra, "", "Service", "certificate"),
            Grant("reference-grant-wrong-to-name", WebBackend, group, "Gateway", Infra, "", "Secret", "not-the-certificate-youre-looking-for")));

        await _suite.GatewayStatusMustHaveListenersAsync("gateway-secret-invalid-reference-grant",
            new ExpectedListener("https", ["HTTPRoute"], 0, ("ResolvedRefs", "False", "RefNotPermitted")));
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
            await _suite.GatewayStatusMustHaveListenersAsync($"gateway-certificate-{name}",
                new ExpectedListener("https", ["HTTPRoute"], 0, ("ResolvedRefs", "False", "InvalidCertificateRef")));
        }
        // The malformed Secret's content is named by its key, never quoted.
        var status = _cluster.Status("Gateway", Infra, "gateway-certificate-malformed-secret").ToJsonString();
        Assert.DoesNotContain("SGVsbG8", status, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello world", status, StringComparison.Ordinal);
    }

    /// <summary>The suite's Gateway with one HTTPS listener whose certificate is Secret certificate in gateway-conformance-web-backend.</summary>
    private static string HttpsGateway(string name) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: { name: {{name}}, namespace: {{Infra}} }
        spec:
          gatewayClassName: konnect
          listeners:
            - name: https
              port: 443
              protocol: HTTPS
              allowedRoutes: { namespaces: { from: All } }
              tls: { certificateRefs: [{ group: "", kind: Secret, name: certificate, namespace: {{WebBackend}} }] }
        """;
}
