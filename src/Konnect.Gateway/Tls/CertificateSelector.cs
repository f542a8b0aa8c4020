using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Tls;

/// <summary>
/// Chooses the certificate of each HTTPS connection by SNI from the applied model. A new model (a rotated Secret)
/// swaps the table in one reference write: the next handshake sees it, established connections are not touched.
/// </summary>
internal sealed partial class CertificateSelector
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly ILogger<CertificateSelector> _logger;
    private readonly Lock _building = new();
    private volatile SniCertificates _current = SniCertificates.Empty;
    private volatile ClientCertificateHosts _clientCertificates = ClientCertificateHosts.None;
    private Dictionary<string, SslStreamCertificateContext> _contexts = [];
    private string? _lastDefaultProblem;
    private bool _applied;

    public CertificateSelector(GatewayState state, ILogger<CertificateSelector> logger)
    {
        _logger = logger;
        state.ModelApplying += Apply;
        lock (_building)
        {
            // Only when no newer model arrived through the event meanwhile: the one applied now must not undo it.
            if (!_applied && state.AppliedModel is { } model) { Apply(model); }
        }
    }

    internal SniCertificates Current => _current;

    private void Apply(Konnect.Model.GatewayModel model)
    {
        lock (_building)
        {
            _applied = true;
            _clientCertificates = ClientCertificateHosts.Build(model);
            var built = new Dictionary<string, SslStreamCertificateContext>(StringComparer.Ordinal);
            try
            {
                _current = SniCertificates.Build(model.Tls, _contexts, built);
                _contexts = built;
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                // The translator parsed every certificate already; this is the platform refusing one. The previous
                // table keeps serving. The exception's type only: its message is not logged near key material.
                CertificatesNotLoaded(_logger, model.Version, e.GetType().Name);
            }
            var problem = model.Tls?.DefaultCertificateProblem;
            if (problem is not null && problem != _lastDefaultProblem) { DefaultCertificateUnusable(_logger, problem); }
            _lastDefaultProblem = problem;
        }
    }

    /// <summary>Kestrel's per-connection callback: TLS 1.2+, ALPN h2 and http/1.1, the certificate for the SNI.</summary>
    public ValueTask<SslServerAuthenticationOptions> OnConnection(TlsHandshakeCallbackContext context)
    {
        var serverName = context.ClientHelloInfo.ServerName;
        var certificate = _current.Select(serverName)
            // Kestrel closes the connection; the client sees the handshake fail rather than a certificate for another host.
            ?? throw new AuthenticationException("No certificate for this server name and no default certificate is configured.");
        // Asking is all ClientCertificateRequired does with a validation callback that accepts anything: a missing,
        // expired or foreign certificate still completes the handshake, and the mtls policy answers 401 problem+json
        // for the request, which says why. The chain is verified there, against that policy's CA.
        var asks = _clientCertificates.Requests(serverName);
        return ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = Alpn,
            ClientCertificateRequired = asks,
            RemoteCertificateValidationCallback = asks ? AcceptAny : null,
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            // The handshake still builds the client's chain; it must not fetch issuers a client names (SSRF, and a
            // synchronous fetch on the connection's I/O thread). The mtls policy verifies against its own CA anyway.
            CertificateChainPolicy = asks ? ClientChainPolicy() : null,
        });
    }

    // A new one per handshake: a chain policy is mutable, and the handshake may keep it.
    private static System.Security.Cryptography.X509Certificates.X509ChainPolicy ClientChainPolicy() => new()
    {
        DisableCertificateDownloads = true,
        RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
    };

    private static bool AcceptAny(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors) => true;

    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "Model {Version}: the TLS certificates could not be loaded ({Error}); the previous certificates keep serving")]
    private static partial void CertificatesNotLoaded(ILogger logger, string version, string error);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "The default certificate is not served: {Problem}. Handshakes for unknown server names are refused")]
    private static partial void DefaultCertificateUnusable(ILogger logger, string problem);
}
