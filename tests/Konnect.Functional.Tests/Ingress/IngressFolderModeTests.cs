using System.Net;
using System.Text.Json;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Testing;
using Konnect.Testing.Tls;

namespace Konnect.Functional.Tests.Ingress;

/// <summary>
/// A standard Ingress served by the real `konnect run --manifests` with a real echo upstream, and checked with curl:
/// Prefix matched by path element, Exact, the default backend for hosts nobody names, an Ingress of another class left
/// alone, spec.tls's Secret served by SNI with the redirect annotation, a KonnectPolicy attached by annotation, and an
/// edit to the Ingress file served without a restart.
/// </summary>
public sealed class IngressFolderModeTests : IAsyncLifetime
{
    private static readonly TestCertificate Ca = TestCertificate.Authority("Konnect Ingress CA");
    private readonly FolderModeHost _host = new("konnect-ingress-");
    private readonly int _tls = Repo.FreePort();
    private readonly TestCertificate _shop = Ca.Issue("shop.test");
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private string Ingress(string firstPath) => $$"""
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: konnect }
        spec: { controller: konnect.dev/ingress-controller }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: web, namespace: shop }
        spec: { ports: [{ name: http, port: 80 }] }
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: web-local, namespace: shop, labels: { kubernetes.io/service-name: web } }
        addressType: IPv4
        ports: [{ name: http, port: {{_host.Upstream}} }]
        endpoints: [{ addresses: [127.0.0.1] }]
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: { name: tagged, namespace: shop }
        spec: { responseTransform: { headers: { set: [{ name: x-policy, value: tagged }] } } }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: shop
          namespace: shop
          annotations: { konnect.dev/policies: tagged, konnect.dev/tls-redirect: "true" }
        spec:
          ingressClassName: konnect
          tls: [{ hosts: [shop.test], secretName: shop-tls }]
          defaultBackend: { service: { name: web, port: { name: http } } }
          rules:
            - host: shop.test
              http:
                paths:
                  - { path: {{firstPath}}, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
                  - { path: /exact, pathType: Exact, backend: { service: { name: web, port: { name: http } } } }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: theirs, namespace: shop }
        spec:
          ingressClassName: nginx
          rules: [{ host: theirs.test, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]
        """;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_host.Dir, "ingress.yaml"), Ingress("/foo"));
        File.WriteAllText(Path.Combine(_host.Dir, "secret.yaml"), $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: shop-tls, namespace: shop }
            type: kubernetes.io/tls
            stringData:
              tls.crt: |
            {{Indent(_shop.CertificatePem)}}
              tls.key: |
            {{Indent(_shop.KeyPem)}}
            """);
        File.WriteAllText(Path.Combine(_host.Dir, "ca.pem"), Ca.CertificatePem);
        await _host.StartAsync("ingress-echo", "--listen-tls", $"https://127.0.0.1:{_tls}");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Ingress_PathsHostsDefaultBackendClassTlsAndPolicy_ServedAsTheSpecSays()
    {
        // Prefix by path element, with curl over plain HTTP: the https redirect answers shop.test, so curl is told -k
        // and goes through it to the TLS listener, verifying the Secret's certificate against the CA.
        var foo = await CurlAsync("shop.test", "/foo/bar", "-L");
        Assert.True(foo.ExitCode == 0, foo.Stderr + _host.Output);
        Assert.Contains("\"path\": \"/foo/bar\"", foo.Stdout, StringComparison.Ordinal);
        Assert.Contains("x-policy: tagged", foo.Stdout, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.PermanentRedirect, (await PlainAsync("shop.test", "/foo")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await HttpsAsync("shop.test", "/foobar")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await HttpsAsync("shop.test", "/foo/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await HttpsAsync("shop.test", "/exact")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await HttpsAsync("shop.test", "/exact/more")).StatusCode);

        // The default backend answers hosts no route names, including the other class's host: that Ingress is not ours.
        using (var other = await PlainAsync("nobody.test", "/anything"))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.Equal("/anything", JsonDocument.Parse(await other.Content.ReadAsStringAsync()).RootElement.GetProperty("path").GetString());
        }
        var status = await _http.GetStringAsync($"http://127.0.0.1:{_host.Admin}/status");
        Assert.Contains("\"name\": \"shop:shop.test\"", status, StringComparison.Ordinal);
        Assert.DoesNotContain("theirs", status, StringComparison.Ordinal);

        // An edit to the file is served without a restart.
        File.WriteAllText(Path.Combine(_host.Dir, "ingress.yaml"), Ingress("/bar"));
        await Repo.EventuallyAsync(async () => (await HttpsAsync("shop.test", "/bar/1")).StatusCode == HttpStatusCode.OK, "the edited Ingress");
        Assert.Equal(HttpStatusCode.NotFound, (await HttpsAsync("shop.test", "/foo/bar")).StatusCode);
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> CurlAsync(string host, string path, params string[] extra) =>
        Repo.RunAsync("curl", [
            "-sS", "-i", "--max-time", "10", "--resolve", $"{host}:{_tls}:127.0.0.1", "--resolve", $"{host}:{_host.Traffic}:127.0.0.1",
            "--cacert", Path.Combine(_host.Dir, "ca.pem"), .. extra, $"http://{host}:{_host.Traffic}{path}"]);

    private async Task<HttpResponseMessage> PlainAsync(string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_host.Traffic}{path}");
        request.Headers.Host = host;
        return await _http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> HttpsAsync(string host, string path)
    {
        var curl = await Repo.RunAsync("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
            "--resolve", $"{host}:{_tls}:127.0.0.1", "--cacert", Path.Combine(_host.Dir, "ca.pem"), $"https://{host}:{_tls}{path}"]);
        Assert.True(curl.ExitCode == 0, curl.Stderr);
        return new HttpResponseMessage((HttpStatusCode)int.Parse(curl.Stdout, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Indent(string pem) => string.Join("\n", pem.TrimEnd().Split('\n').Select(l => "    " + l));
}
