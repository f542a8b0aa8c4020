using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Konnect.Kubernetes.Config;
using Konnect.Testing.Kubernetes;

namespace Konnect.Kubernetes.Tests;

/// <summary>
/// Credentials and TLS as users configure them, through a kubeconfig or the service-account folder, against the fake
/// API server over real sockets: token files and their rotation, the cluster CA as the only trust anchor, skipping
/// verification, client certificates.
/// </summary>
public sealed class KubeApiClientAuthTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("konnect-auth-").FullName;
    private static readonly CancellationToken None = CancellationToken.None;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private KubeConfig Kubeconfig(FakeKubeApiServer server, string user, string? cluster = null)
    {
        cluster ??= server.Certificate is { } ca ? $"certificate-authority-data: {B64(ca.ExportCertificatePem())}" : "";
        var path = Path.Combine(_folder, "kubeconfig");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            current-context: fake
            clusters: [{ name: fake, cluster: { server: "{{server.Url.ToString().TrimEnd('/')}}", {{cluster}} } }]
            users: [{ name: konnect, user: { {{user}} } }]
            contexts: [{ name: fake, context: { cluster: fake, user: konnect } }]
            """);
        return KubeConfigLoader.FromKubeconfig(path);
    }

    [Fact]
    public async Task Requests_InClusterTokenRotated_SentAfterTheLibrarysMinute()
    {
        // The pod's service-account folder, with the fake API server as KUBERNETES_SERVICE_HOST/PORT.
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        var account = Directory.CreateDirectory(Path.Combine(_folder, "serviceaccount")).FullName;
        await File.WriteAllTextAsync(Path.Combine(account, "ca.crt"), server.Certificate!.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(account, "namespace"), "konnect\n");
        var tokenFile = Path.Combine(account, "token");
        await File.WriteAllTextAsync(tokenFile, "first\n");
        var config = KubeConfigLoader.InCluster(account, name => name switch
        {
            "KUBERNETES_SERVICE_HOST" => "127.0.0.1",
            "KUBERNETES_SERVICE_PORT" => server.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        });
        using var client = new KubeApiClient(config);
        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        // The kubelet rotates projected tokens long before they expire; KubernetesClient re-reads the file every minute.
        await File.WriteAllTextAsync(tokenFile, "second");
        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);
        await Task.Delay(TimeSpan.FromSeconds(61));
        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Equal("konnect", config.Namespace);
        Assert.Equal(["Bearer first", "Bearer first", "Bearer second"], server.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Requests_KubeconfigTokenFile_SendsItsToken()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_folder, "token"), "from-file\n");
        using var client = new KubeApiClient(Kubeconfig(server, "tokenFile: token, token: inline-loses"));

        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Equal("Bearer from-file", server.Requests[^1].Authorization);
    }

    [Fact]
    public async Task Requests_AuthProviderOidc_SendsTheIdToken()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        const string idToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvcHMiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln";
        using var client = new KubeApiClient(Kubeconfig(server,
            $"auth-provider: {{ name: oidc, config: {{ id-token: {idToken}, client-id: konnect, refresh-token: r, idp-issuer-url: 'https://issuer.example.com' }} }}"));

        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Equal($"Bearer {idToken}", server.Requests[^1].Authorization);
    }

    [Fact]
    public async Task Load_AuthProviderGcp_RefusedNamingTheCredentialPluginToUse()
    {
        await using var server = await FakeKubeApiServer.StartAsync();

        var error = Assert.Throws<KubeConfigException>(() => Kubeconfig(server, "auth-provider: { name: gcp, config: { access-token: ya29.secret } }"));

        Assert.Contains("gke-gcloud-auth-plugin", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ya29.secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_HttpsWithClusterCa_ValidatesAndUsesHttp2()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        using var client = new KubeApiClient(Kubeconfig(server, "token: t"));

        var list = await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Empty(list.Items);
        Assert.Equal("HTTP/2", server.Requests[^1].Protocol);
        Assert.Equal("Bearer t", server.Requests[^1].Authorization);
    }

    [Fact]
    public async Task Requests_HttpsWithOtherCa_ThrowsUnreachable()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        using var otherCa = CreateCertificate("CN=some-other-ca");
        using var client = new KubeApiClient(Kubeconfig(server, "token: t", $"certificate-authority-data: {B64(otherCa.ExportCertificatePem())}"));

        var error = await Assert.ThrowsAsync<KubeApiException>(() => client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None));

        Assert.Equal("Unreachable", error.Reason);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Requests_HttpsInsecureSkipVerify_Connects()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        var config = Kubeconfig(server, "token: t", "insecure-skip-tls-verify: true");
        using var client = new KubeApiClient(config);

        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.True(config.InsecureSkipTlsVerify);
        Assert.Contains("TLS verification DISABLED", config.ToString(), StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Requests_ClientCertificate_PresentedToServer()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var clientCertificate = CreateCertificate("CN=konnect-admin, O=system:masters", key);
        var user = $"client-certificate-data: {B64(clientCertificate.ExportCertificatePem())}, client-key-data: {B64(key.ExportPkcs8PrivateKeyPem())}";
        using var client = new KubeApiClient(Kubeconfig(server, user));

        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Equal(clientCertificate.Subject, server.Requests[^1].ClientCertificateSubject);
        Assert.Null(server.Requests[^1].Authorization);
    }

    internal static X509Certificate2 CreateCertificate(string subject, ECDsa? key = null)
    {
        using var own = key is null ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var request = new CertificateRequest(subject, key ?? own!, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
