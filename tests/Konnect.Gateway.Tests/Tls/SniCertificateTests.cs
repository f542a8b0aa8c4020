using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Konnect.Model;
using Konnect.Testing.Tls;

namespace Konnect.Gateway.Tests.Tls;

/// <summary>The HTTPS listener picks each connection's certificate by SNI from the applied model (real handshakes).</summary>
public sealed class SniCertificateTests : TlsGatewayTest
{
    private static readonly TestCertificate Api = TestCertificate.SelfSigned("api.example.com");
    private static readonly TestCertificate Wildcard = TestCertificate.SelfSigned("*.example.com");
    private static readonly TestCertificate DeepWildcard = TestCertificate.SelfSigned("*.eu.example.com");
    private static readonly TestCertificate Fallback = TestCertificate.SelfSigned("default.konnect");

    private Task PublishCertificatesAsync(CertificateModel? fallback = null) => PublishAsync(
        new TlsModel
        {
            Certificates =
            [
                Certificate(Api, "shop/api-tls", "api.example.com"),
                Certificate(Wildcard, "shop/wildcard-tls", "*.example.com"),
                Certificate(DeepWildcard, "shop/eu-tls", "*.eu.example.com"),
            ],
            DefaultCertificate = fallback,
        },
        HostRoute("api", Backend.Url("/api"), "api.example.com", "*.example.com", "*.eu.example.com"));

    [Fact]
    public async Task Handshake_ExactHost_ServesThatHostsCertificate()
    {
        await PublishCertificatesAsync();

        var (served, _, protocol) = await HandshakeAsync("api.example.com");

        Assert.Equal(Api.Thumbprint, served.Thumbprint);
        Assert.True(protocol is SslProtocols.Tls12 or SslProtocols.Tls13);
    }

    [Fact]
    public async Task Handshake_WildcardHosts_MostSpecificWildcardWins()
    {
        await PublishCertificatesAsync();

        Assert.Equal(Wildcard.Thumbprint, (await HandshakeAsync("shop.example.com")).Certificate.Thumbprint);
        Assert.Equal(DeepWildcard.Thumbprint, (await HandshakeAsync("paris.eu.example.com")).Certificate.Thumbprint);
        // Exact beats any wildcard, and the name is compared case-insensitively.
        Assert.Equal(Api.Thumbprint, (await HandshakeAsync("API.Example.com")).Certificate.Thumbprint);
    }

    [Fact]
    public async Task Handshake_UnknownSni_ServesTheDefaultCertificate()
    {
        await PublishCertificatesAsync(Certificate(Fallback, "konnect/default-tls"));

        Assert.Equal(Fallback.Thumbprint, (await HandshakeAsync("unknown.test")).Certificate.Thumbprint);
        Assert.Equal(Fallback.Thumbprint, (await HandshakeAsync("example.com")).Certificate.Thumbprint);
    }

    [Fact]
    public async Task Handshake_UnknownSniWithoutDefault_IsRefused()
    {
        await PublishCertificatesAsync();

        var error = await Record.ExceptionAsync(() => HandshakeAsync("unknown.test"));

        Assert.True(error is AuthenticationException or IOException, $"expected a failed handshake, got {error?.GetType().Name ?? "success"}");
        // The listener still serves the names it knows.
        Assert.Equal(Api.Thumbprint, (await HandshakeAsync("api.example.com")).Certificate.Thumbprint);
    }

    [Fact]
    public async Task Alpn_OffersH2_NegotiatesHttp2AndServesTheRequest()
    {
        await PublishCertificatesAsync();

        var (_, alpn, _) = await HandshakeAsync("api.example.com", [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);
        Assert.Equal(SslApplicationProtocol.Http2, alpn);

        using var client = HttpsClient([], HttpVersion.Version20);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Headers = { Host = "api.example.com" } };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("/api/orders", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Alpn_OffersOnlyHttp11_NegotiatesHttp11()
    {
        await PublishCertificatesAsync();

        var (_, alpn, _) = await HandshakeAsync("api.example.com", [SslApplicationProtocol.Http11]);

        Assert.Equal(SslApplicationProtocol.Http11, alpn);
    }

    [Fact]
    public async Task Rotation_NewModel_NewConnectionGetsNewCertificateWhileOldConnectionKeepsWorking()
    {
        await PublishCertificatesAsync();
        var oldSeen = new List<string>();
        using var oldClient = HttpsClient(oldSeen);
        Assert.Equal("/api/a", await GetAsync(oldClient, "api.example.com", "/a"));
        Assert.Equal([Api.Thumbprint], oldSeen);

        var rotated = TestCertificate.SelfSigned("api.example.com");
        await PublishAsync(new TlsModel { Certificates = [Certificate(rotated, "shop/api-tls", "api.example.com")] },
            HostRoute("api", Backend.Url("/api"), "api.example.com"));

        var newSeen = new List<string>();
        using var newClient = HttpsClient(newSeen);
        Assert.Equal("/api/b", await GetAsync(newClient, "api.example.com", "/b"));
        Assert.Equal([rotated.Thumbprint], newSeen);

        // The kept-alive connection was not dropped: it serves again without a new handshake.
        Assert.Equal("/api/c", await GetAsync(oldClient, "api.example.com", "/c"));
        Assert.Equal([Api.Thumbprint], oldSeen);
    }

    private static async Task<string> GetAsync(HttpClient client, string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = host } };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
