using Konnect.Functional.Tests.Infrastructure;
using Konnect.Testing;
using Konnect.Testing.Tls;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// HTTPRouteHTTPSListener, as Konnect serves it: a Gateway's HTTPS listeners terminate TLS on Konnect's TLS listener with
/// their certificateRefs' Secrets (one across namespaces, through a ReferenceGrant), chosen by SNI for their hostnames;
/// real curl checks each certificate against its CA and reaches the HTTPRoute attached to them. And the usual pair: a
/// route on a hostless HTTP listener redirecting every host to https, the application's route on a named HTTPS listener.
/// </summary>
public sealed class HttpsListenerTests : IAsyncLifetime
{
    private static readonly TestCertificate Ca = TestCertificate.Authority("Konnect Gateway CA");
    private readonly FolderModeHost _host = new("konnect-gateway-tls-");
    private readonly int _tls = Repo.FreePort();
    private readonly TestCertificate _second = Ca.Issue("second-example.org");
    private readonly TestCertificate _wildcard = Ca.Issue("*.wildcard.org");
    private readonly TestCertificate _secure = Ca.Issue("secure.example.org");

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_host.Dir, "ca.pem"), Ca.CertificatePem);
        File.WriteAllText(Path.Combine(_host.Dir, "gateway.yaml"), $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: { name: konnect }
            spec: { controllerName: konnect.dev/gateway-controller }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: same-namespace-with-https-listener, namespace: infra }
            spec:
              gatewayClassName: konnect
              listeners:
                - { name: https-with-hostname, port: 443, protocol: HTTPS, hostname: second-example.org, tls: { certificateRefs: [{ name: second-tls }] } }
                - { name: https-with-wildcard-hostname, port: 443, protocol: HTTPS, hostname: "*.wildcard.org", tls: { certificateRefs: [{ name: wildcard-tls, namespace: certs }] } }
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: { name: gateways, namespace: certs }
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: infra }]
              to: [{ group: "", kind: Secret }]
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: web, namespace: infra }
            spec: { ports: [{ port: 8080 }] }
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: web-local, namespace: infra, labels: { kubernetes.io/service-name: web } }
            addressType: IPv4
            ports: [{ port: {{_host.Upstream}} }]
            endpoints: [{ addresses: [127.0.0.1] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: https-routes, namespace: infra }
            spec:
              parentRefs: [{ name: same-namespace-with-https-listener }]
              rules: [{ backendRefs: [{ name: web, port: 8080 }] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: http-and-https, namespace: infra }
            spec:
              gatewayClassName: konnect
              listeners:
                - { name: http, port: 80, protocol: HTTP }
                - { name: https, port: 443, protocol: HTTPS, hostname: secure.example.org, tls: { certificateRefs: [{ name: secure-tls }] } }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: redirect-to-https, namespace: infra }
            spec:
              parentRefs: [{ name: http-and-https, sectionName: http }]
              rules: [{ filters: [{ type: RequestRedirect, requestRedirect: { scheme: https, statusCode: 301 } }] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: secure-app, namespace: infra }
            spec:
              parentRefs: [{ name: http-and-https, sectionName: https }]
              rules: [{ backendRefs: [{ name: web, port: 8080 }] }]
            ---
            {{Secret("secure-tls", "infra", _secure)}}
            ---
            {{Secret("second-tls", "infra", _second)}}
            ---
            {{Secret("wildcard-tls", "certs", _wildcard)}}
            """);
        await _host.StartAsync("gateway-tls", "--listen-tls", $"https://127.0.0.1:{_tls}");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task HTTPRouteHTTPSListener()
    {
        // Each listener's own certificate, verified by curl against the CA, for its hostname.
        var second = await CurlAsync("second-example.org");
        Assert.True(second.ExitCode == 0, second.Stderr + _host.Output);
        Assert.Contains("\"backend\": \"gateway-tls\"", second.Stdout, StringComparison.Ordinal);
        var wildcard = await CurlAsync("foo.wildcard.org");
        Assert.True(wildcard.ExitCode == 0, wildcard.Stderr);
        // A name no listener has: no certificate (there is no default one), so no handshake.
        Assert.NotEqual(0, (await CurlAsync("third-example.org")).ExitCode);

        var status = await _host.Http.GetStringAsync($"http://127.0.0.1:{_host.Admin}/status");
        Assert.Contains("\"attachedRoutes\": 1", status, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpListenerRedirects_HttpsListenerServes()
    {
        // Plain HTTP reaches only the HTTP listener's route: the redirect, also for the host the HTTPS-only application
        // route names (its bucket is the HTTPS table's alone).
        foreach (var host in new[] { "secure.example.org", "other.example.org" })
        {
            var plain = await Repo.RunAsync("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--max-time", "10",
                "--resolve", $"{host}:{_host.Traffic}:127.0.0.1", $"http://{host}:{_host.Traffic}/orders"]);
            Assert.Equal($"301 https://{host}/orders", plain.Stdout);
        }

        // HTTPS reaches only the HTTPS listener's route: the application, not a redirect to itself.
        var secure = await CurlAsync("secure.example.org", "/orders");
        Assert.True(secure.ExitCode == 0, secure.Stderr);
        Assert.Contains("\"backend\": \"gateway-tls\"", secure.Stdout, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> CurlAsync(string host, string path = "/") =>
        Repo.RunAsync("curl", ["-sS", "--max-time", "10", "--resolve", $"{host}:{_tls}:127.0.0.1",
            "--cacert", Path.Combine(_host.Dir, "ca.pem"), $"https://{host}:{_tls}{path}"]);

    private static string Secret(string name, string ns, TestCertificate certificate) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: { name: {{name}}, namespace: {{ns}} }
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
        {{Indent(certificate.CertificatePem)}}
          tls.key: |
        {{Indent(certificate.KeyPem)}}
        """;

    private static string Indent(string pem) => string.Join("\n", pem.TrimEnd().Split('\n').Select(l => "    " + l));
}
