using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Tls;

namespace Konnect.Gateway.Tests.Tls;

/// <summary>
/// authentication.mtls over real handshakes: only hosts whose routes use it ask for a client certificate; the chain
/// is verified against the policy's CA; the subject or a URI SAN names the consumer that authorization then judges.
/// </summary>
public sealed class MtlsTests : TlsGatewayTest
{
    private const string SecureHost = "mtls.example.com";
    private const string OpenHost = "open.example.com";
    private const string MixedHost = "mixed.example.com";

    private static readonly TestCertificate ClientCa = TestCertificate.Authority("Konnect Test Client CA");
    private static readonly TestCertificate OtherCa = TestCertificate.Authority("Some Other CA");
    private static readonly TestCertificate Server = TestCertificate.SelfSigned(SecureHost, OpenHost);

    private static readonly ConsumerModel Orders = new() { Namespace = "partners", Name = "orders", MtlsSubject = "CN=orders, O=Konnect Tests" };
    private static readonly ConsumerModel Billing = new() { Namespace = "partners", Name = "billing", MtlsSan = "spiffe://konnect.test/billing" };
    private static readonly ConsumerModel Intruder = new() { Namespace = "partners", Name = "intruder", MtlsSubject = "CN=intruder, O=Konnect Tests" };

    private async Task PublishMtlsAsync()
    {
        var secure = HostRoute("secure", Backend.Url("/secure"), SecureHost) with
        {
            Policies = new PoliciesModel
            {
                Authentication = new AuthenticationModel
                {
                    Policy = "test/mtls",
                    Mtls = new MtlsModel { CaSecret = "client-ca", CaPem = ClientCa.CertificatePem, CaVersion = "1", ForwardHeader = "x-client-subject" },
                },
                Authorization = new AuthorizationModel { Policy = "test/mtls", ApprovedConsumers = ["partners/orders", "partners/billing"] },
            },
        };
        var open = HostRoute("open", Backend.Url("/open"), OpenHost);
        // mtls and apiKey together: a certificate decides when presented, otherwise the key does.
        var mixed = HostRoute("mixed", Backend.Url("/mixed"), MixedHost) with
        {
            Policies = new PoliciesModel
            {
                Authentication = Policies.AuthenticationTests.ApiKey with
                {
                    Mtls = new MtlsModel { CaSecret = "client-ca", CaPem = ClientCa.CertificatePem, CaVersion = "1" },
                },
            },
        };
        var model = TestGateway.Model(secure, open, mixed) with
        {
            Tls = new TlsModel { Certificates = [Certificate(Server, "test/server-tls", SecureHost, OpenHost, MixedHost)] },
            Consumers = [Orders, Billing, Intruder, Policies.AuthenticationTests.Acme],
        };
        var result = await Gateway.Publisher.PublishAsync(model, CancellationToken.None);
        Assert.True(result.Applied);
        Assert.Empty(result.Rejected);
    }

    /// <summary>An HTTPS request to <paramref name="host"/> (SNI and Host) presenting <paramref name="certificate"/> if asked.</summary>
    private async Task<HttpResponseMessage> SendAsync(string host, TestCertificate? certificate, string path = "/headers", params (string, string)[] headers)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(TlsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate?.Certificate!,
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{host}:{TlsEndPoint.Port}{path}");
        foreach (var (name, value) in headers) { request.Headers.TryAddWithoutValidation(name, value); }
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string detail)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await TestGateway.ProblemAsync(response);
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoodClientCertificate_IsMappedBySubject_AndTheSubjectIsForwarded()
    {
        await PublishMtlsAsync();

        using var response = await SendAsync(SecureHost, ClientCa.IssueClient("orders"), "/headers", ("x-client-subject", "CN=spoofed"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("x-konnect-consumer: partners/orders\n", body + "\n", StringComparison.Ordinal);
        Assert.Contains("x-client-subject: CN=orders, O=Konnect Tests\n", body + "\n", StringComparison.Ordinal);
        Assert.DoesNotContain("spoofed", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoodClientCertificate_IsMappedByUriSan()
    {
        await PublishMtlsAsync();

        using var response = await SendAsync(SecureHost, ClientCa.IssueClient("billing-7f3a", uri: "spiffe://konnect.test/billing"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("x-konnect-consumer: partners/billing\n", await response.Content.ReadAsStringAsync() + "\n", StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoExpiredOrForeignCertificate_Is401ProblemJson()
    {
        await PublishMtlsAsync();

        using (var none = await SendAsync(SecureHost, certificate: null)) { await AssertUnauthorizedAsync(none, "A credential is required (client certificate)"); }
        using (var expired = await SendAsync(SecureHost, ClientCa.IssueClient("orders", expired: true))) { await AssertUnauthorizedAsync(expired, "expired"); }
        using (var foreign = await SendAsync(SecureHost, OtherCa.IssueClient("orders"))) { await AssertUnauthorizedAsync(foreign, "not issued by a trusted CA"); }
        // A server certificate from the right CA is not a client certificate (EKU serverAuth only).
        using (var serverCert = await SendAsync(SecureHost, ClientCa.Issue("orders"))) { await AssertUnauthorizedAsync(serverCert, "not issued by a trusted CA"); }
    }

    [Fact]
    public async Task ValidCertificate_UnknownIdentity_Is401_KnownButNotApproved_Is403()
    {
        await PublishMtlsAsync();

        using (var unknown = await SendAsync(SecureHost, ClientCa.IssueClient("stranger"))) { await AssertUnauthorizedAsync(unknown, "identifies no KonnectConsumer"); }
        using var intruder = await SendAsync(SecureHost, ClientCa.IssueClient("intruder"));
        Assert.Equal(HttpStatusCode.Forbidden, intruder.StatusCode);
    }

    [Fact]
    public async Task WithApiKeyToo_ACertificateDecidesWhenPresented_OtherwiseTheKey()
    {
        await PublishMtlsAsync();

        using var keyOnly = await SendAsync(MixedHost, certificate: null, "/headers", ("x-api-key", Policies.AuthenticationTests.AcmeKey));
        Assert.Contains("x-konnect-consumer: partners/acme\n", await keyOnly.Content.ReadAsStringAsync() + "\n", StringComparison.Ordinal);
        using var both = await SendAsync(MixedHost, ClientCa.IssueClient("orders"), "/headers", ("x-api-key", "not-a-key"));
        var body = await both.Content.ReadAsStringAsync();
        Assert.Contains("x-konnect-consumer: partners/orders\n", body + "\n", StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-key", body, StringComparison.Ordinal);
        using var badCertificate = await SendAsync(MixedHost, OtherCa.IssueClient("orders"), "/headers", ("x-api-key", Policies.AuthenticationTests.AcmeKey));
        await AssertUnauthorizedAsync(badCertificate, "not issued by a trusted CA");
    }

    [Fact]
    public async Task PlainHttpToAnMtlsRoute_Is401()
    {
        await PublishMtlsAsync();

        using var response = await Gateway.GetAsync("/headers", host: SecureHost);

        await AssertUnauthorizedAsync(response, "A credential is required (client certificate)");
    }

    [Fact]
    public async Task OnlyHostsWithMtlsRoutes_AskForAClientCertificate()
    {
        await PublishMtlsAsync();
        var client = ClientCa.IssueClient("orders");

        Assert.True(await SentClientCertificateAsync(SecureHost, client));
        Assert.False(await SentClientCertificateAsync(OpenHost, client));
        using var open = await SendAsync(OpenHost, client, "/x");
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
    }

    /// <summary>
    /// A raw handshake offering <paramref name="certificate"/>: true when the server asked for a client certificate
    /// and got it. SslStream only sends one in answer to the server's CertificateRequest.
    /// </summary>
    private async Task<bool> SentClientCertificateAsync(string serverName, TestCertificate certificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(TlsEndPoint);
        await using var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
            ClientCertificates = new X509CertificateCollection { certificate.Certificate },
            LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate.Certificate,
        });
        return ssl.IsMutuallyAuthenticated;
    }
}
