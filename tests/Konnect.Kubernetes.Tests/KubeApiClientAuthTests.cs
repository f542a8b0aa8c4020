using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Konnect.Kubernetes.Config;
using Konnect.Testing.Kubernetes;

namespace Konnect.Kubernetes.Tests;

/// <summary>Credentials and TLS: rotated token files, the cluster CA as the only trust anchor, client certificates.</summary>
public sealed class KubeApiClientAuthTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("konnect-auth-").FullName;
    private static readonly CancellationToken None = CancellationToken.None;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Requests_TokenFileRewritten_SendsRotatedToken()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var tokenFile = Path.Combine(_folder, "token");
        await File.WriteAllTextAsync(tokenFile, "first\n");
        using var client = new KubeApiClient(server.CreateClientConfig() with { TokenFile = tokenFile });
        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        await File.WriteAllTextAsync(tokenFile, "second");
        File.SetLastWriteTimeUtc(tokenFile, DateTime.UtcNow.AddMinutes(1));
        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Equal(["Bearer first", "Bearer second"], server.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Requests_TokenFileSameMtime_RereadAfterAMinute()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var tokenFile = Path.Combine(_folder, "token");
        await File.WriteAllTextAsync(tokenFile, "first");
        var mtime = File.GetLastWriteTimeUtc(tokenFile);
        var time = new ManualTime();
        using var client = new KubeApiClient(server.CreateClientConfig() with { TokenFile = tokenFile }, new KubeApiClientOptions { TimeProvider = time });
        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        // A symlink swap (how the kubelet rotates projected tokens) may leave the mtime seen here unchanged.
        await File.WriteAllTextAsync(tokenFile, "second");
        File.SetLastWriteTimeUtc(tokenFile, mtime);
        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);
        time.Now += TimeSpan.FromSeconds(61);
        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Equal(["Bearer first", "Bearer first", "Bearer second"], server.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Requests_HttpsWithClusterCa_ValidatesAndUsesHttp2()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        using var client = new KubeApiClient(server.CreateClientConfig("t"));

        var list = await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Empty(list.Items);
        Assert.Equal("HTTP/2", server.Requests[^1].Protocol);
    }

    [Fact]
    public async Task Requests_HttpsWithOtherCa_ThrowsUnreachable()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        using var otherCa = CreateCertificate("CN=some-other-ca");
        using var client = new KubeApiClient(server.CreateClientConfig("t") with { CertificateAuthority = [X509CertificateLoader.LoadCertificate(otherCa.Export(X509ContentType.Cert))] });

        var error = await Assert.ThrowsAsync<KubeApiException>(() => client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None));

        Assert.Equal("Unreachable", error.Reason);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Requests_HttpsInsecureSkipVerify_Connects()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        using var client = new KubeApiClient(server.CreateClientConfig("t") with { CertificateAuthority = null, InsecureSkipTlsVerify = true });

        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Requests_ClientCertificate_PresentedToServer()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        using var clientCertificate = CreateCertificate("CN=konnect-admin, O=system:masters");
        using var client = new KubeApiClient(server.CreateClientConfig() with { ClientCertificate = clientCertificate });

        await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        Assert.Equal(clientCertificate.Subject, server.Requests[^1].ClientCertificateSubject);
        Assert.Null(server.Requests[^1].Authorization);
    }

    internal static X509Certificate2 CreateCertificate(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
