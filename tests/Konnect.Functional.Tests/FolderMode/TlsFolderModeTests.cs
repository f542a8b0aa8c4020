using System.Diagnostics;
using System.Text;
using Konnect.Testing;
using Konnect.Testing.Tls;

namespace Konnect.Functional.Tests.FolderMode;

/// <summary>
/// spec.tls end to end with the real binary in folder mode and real curl: a host served with its Secret's certificate
/// (trusted through --cacert), a wildcard host, the 308 redirect and HSTS, a route whose Secret is missing (its status
/// says so; HTTPS gets the --default-certificate, plain HTTP is still served), rotation by rewriting the Secret file, and the private keys nowhere in /config,
/// /status or Konnect's output.
/// </summary>
public sealed class TlsFolderModeTests : IAsyncLifetime
{
    private static readonly TestCertificate Ca = TestCertificate.Authority("Konnect E2E CA");
    private static readonly TestCertificate NextCa = TestCertificate.Authority("Konnect E2E Next CA");
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-tls-").FullName;
    private readonly string _certs = Directory.CreateTempSubdirectory("konnect-tls-certs-").FullName;
    private readonly int _traffic = Repo.FreePort();
    private readonly int _tls = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly int _upstream = Repo.FreePort();
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TestCertificate _api = Ca.Issue("api.test");
    private readonly TestCertificate _wildcard = Ca.Issue("*.apps.test");
    private Process _echo = null!;
    private Process _konnect = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_certs, "ca.pem"), Ca.CertificatePem);
        File.WriteAllText(Path.Combine(_certs, "next-ca.pem"), NextCa.CertificatePem);
        File.WriteAllText(Path.Combine(_dir, "secrets.yaml"), Secret("api-tls", _api) + "---\n" + Secret("apps-tls", _wildcard));
        File.WriteAllText(Path.Combine(_dir, "routes.yaml"), $$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: api, namespace: shop }
            spec:
              hosts: [api.test]
              tls: { secretName: api-tls, redirect: true, hsts: { maxAge: 300s } }
              rules:
                - backends: [{ url: "http://127.0.0.1:{{_upstream}}" }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: apps, namespace: shop }
            spec:
              hosts: ["*.apps.test"]
              tls: { secretName: apps-tls }
              rules:
                - backends: [{ url: "http://127.0.0.1:{{_upstream}}" }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: legacy, namespace: shop }
            spec:
              hosts: [legacy.test]
              tls: { secretName: legacy-tls }
              rules:
                - backends: [{ url: "http://127.0.0.1:{{_upstream}}" }]
            """);
        _echo = Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{_upstream}", "--name", "tls");
        _konnect = Repo.StartDotnet(Repo.KonnectDll, _output, new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Debug" },
            "run", "--manifests", _dir, "--listen", $"http://127.0.0.1:{_traffic}", "--admin-listen", $"http://127.0.0.1:{_admin}",
            "--listen-tls", $"https://127.0.0.1:{_tls}", "--default-certificate", "shop/apps-tls");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_admin}/readyz")).IsSuccessStatusCode, "konnect ready");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_upstream}/")).IsSuccessStatusCode, "echo ready");
    }

    public Task DisposeAsync()
    {
        Repo.Stop(_konnect, _echo);
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(_certs, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Curl_SniCertificatesRedirectHstsRotation_AndKeysNeverLeak()
    {
        // Exact and wildcard hosts, each verified by curl against the CA: the right certificate for the right name.
        var api = await CurlAsync("api.test", "ca.pem", "-D", "-");
        Assert.True(api.ExitCode == 0, api.Stderr + Output() + await _http.GetStringAsync($"http://127.0.0.1:{_admin}/config"));
        Assert.Contains("HTTP/2 200", api.Stdout, StringComparison.Ordinal);
        Assert.Contains("strict-transport-security: max-age=300", api.Stdout, StringComparison.OrdinalIgnoreCase);
        var apps = await CurlAsync("shop.apps.test", "ca.pem");
        Assert.True(apps.ExitCode == 0, apps.Stderr);

        // The missing Secret: its route says why, HTTPS for its host gets the default certificate, plain HTTP is served.
        var legacy = await CurlAsync("legacy.test", "ca.pem", "-k", "-v");
        Assert.True(legacy.ExitCode == 0, legacy.Stderr);
        Assert.Contains("subject: CN=*.apps.test", legacy.Stderr, StringComparison.Ordinal);
        using (var plain = await PlainAsync("legacy.test")) { Assert.Equal(200, (int)plain.StatusCode); }
        var status = await _http.GetStringAsync($"http://127.0.0.1:{_admin}/status");
        Assert.Contains("spec.tls.secretName: Secret shop/legacy-tls not found", status, StringComparison.Ordinal);

        // Redirect: plain HTTP for api.test goes to the HTTPS port.
        using (var redirect = await PlainAsync("api.test"))
        {
            Assert.Equal(308, (int)redirect.StatusCode);
            Assert.Equal($"https://api.test:{_tls}/orders", redirect.Headers.Location?.ToString());
        }

        // Rotation: rewrite the Secret with a certificate from another CA; new connections get it, no restart.
        var rotated = NextCa.Issue("api.test");
        File.WriteAllText(Path.Combine(_dir, "secrets.yaml"), Secret("api-tls", rotated) + "---\n" + Secret("apps-tls", _wildcard));
        await Repo.EventuallyAsync(async () => (await CurlAsync("api.test", "next-ca.pem")).ExitCode == 0, "the rotated certificate");
        Assert.NotEqual(0, (await CurlAsync("api.test", "ca.pem")).ExitCode);

        var config = await _http.GetStringAsync($"http://127.0.0.1:{_admin}/config");
        Assert.Contains(Fingerprint(rotated), config, StringComparison.Ordinal);
        status = await _http.GetStringAsync($"http://127.0.0.1:{_admin}/status");
        string output;
        lock (_output) { output = _output.ToString(); }
        foreach (var text in new[] { config, status, output })
        {
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            foreach (var key in new[] { _api, _wildcard, rotated })
            {
                Assert.DoesNotContain(KeyBody(key), text, StringComparison.Ordinal);
            }
        }
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> CurlAsync(string host, string caFile, params string[] extra) =>
        Repo.RunAsync("curl", [
            "-sS", "-o", extra.Length > 0 ? "/dev/null" : "-", "--max-time", "10",
            "--resolve", $"{host}:{_tls}:127.0.0.1", "--cacert", Path.Combine(_certs, caFile), .. extra, $"https://{host}:{_tls}/orders"]);

    private string Output()
    {
        lock (_output) { return _output.ToString(); }
    }

    private Task<HttpResponseMessage> PlainAsync(string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_traffic}/orders");
        request.Headers.Host = host;
        return _http.SendAsync(request);
    }

    private static string Secret(string name, TestCertificate certificate) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: { name: {{name}}, namespace: shop }
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
        {{Indent(certificate.CertificatePem)}}
          tls.key: |
        {{Indent(certificate.KeyPem)}}

        """;

    private static string Indent(string pem) => string.Join("\n", pem.TrimEnd().Split('\n').Select(l => "    " + l));

    // The base64 body of the key, as it would appear if anything printed the key in any form.
    private static string KeyBody(TestCertificate certificate) => certificate.KeyPem.Split('\n')[1];

    private static string Fingerprint(TestCertificate certificate) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(certificate.Certificate.RawData));
}
