using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Tls;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Tls;

/// <summary>A gateway with an HTTPS listener on 127.0.0.1:0 next to its plain one, and handshake helpers.</summary>
public abstract class TlsGatewayTest : IAsyncLifetime
{
    internal TestBackend Backend { get; private set; } = null!;

    internal TestGateway Gateway { get; private set; } = null!;

    internal IPEndPoint TlsEndPoint { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await TestBackend.StartAsync();
        Gateway = await TestGateway.StartAsync(configure: o => o.TlsUrls = "https://127.0.0.1:0");
        TlsEndPoint = Gateway.Services.GetRequiredService<GatewayListeners>().TlsEndPoints.Single();
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }

    /// <summary>Publishes <paramref name="routes"/> with these certificates and insists nothing was rejected.</summary>
    internal async Task PublishAsync(TlsModel tls, params RouteModel[] routes)
    {
        var result = await Gateway.Publisher.PublishAsync(TestGateway.Model(routes) with { Tls = tls }, CancellationToken.None);
        Assert.True(result.Applied);
        Assert.Empty(result.Rejected);
    }

    internal static CertificateModel Certificate(TestCertificate certificate, string secret, params string[] hosts) => new()
    {
        Secret = secret,
        Hosts = hosts,
        Subject = certificate.Subject,
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(certificate.Certificate.RawData)),
        NotAfter = certificate.Certificate.NotAfter,
        CertificatePem = certificate.CertificatePemBytes,
        KeyPem = certificate.KeyPemBytes,
    };

    internal static RouteModel HostRoute(string name, string endpoint, params string[] hosts) => Routes.Route(name, endpoint) with { Id = $"test/{name}/0", Hosts = hosts };

    /// <summary>Completes a real TLS handshake and returns the certificate the gateway served.</summary>
    internal async Task<(X509Certificate2 Certificate, SslApplicationProtocol Alpn, System.Security.Authentication.SslProtocols Protocol)> HandshakeAsync(string? serverName,
        List<SslApplicationProtocol>? alpn = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(TlsEndPoint);
        await using var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? "",
            ApplicationProtocols = alpn,
            // The tests judge the certificate themselves; the handshake only has to complete.
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return (new X509Certificate2(ssl.RemoteCertificate!), ssl.NegotiatedApplicationProtocol, ssl.SslProtocol);
    }

    /// <summary>An HTTPS client that trusts anything but records each certificate it was shown (one per new connection).</summary>
    internal HttpClient HttpsClient(List<string> seenThumbprints, Version? version = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    lock (seenThumbprints) { seenThumbprints.Add(new X509Certificate2(certificate!).Thumbprint); }
                    return true;
                },
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://127.0.0.1:{TlsEndPoint.Port}"),
            DefaultRequestVersion = version ?? HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20),
        };
    }
}
