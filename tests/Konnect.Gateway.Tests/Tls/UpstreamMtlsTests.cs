using System.Net;
using System.Security.Cryptography.X509Certificates;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Tests.Tls;

/// <summary>backends[].tls client certificate: a real Kestrel HTTPS upstream that requires a client certificate its CA issued.</summary>
public sealed class UpstreamMtlsTests : GatewayTest, IAsyncLifetime
{
    private static readonly TestCertificate Ca = TestCertificate.Authority("Konnect Upstream mTLS CA");
    private static readonly TestCertificate OtherCa = TestCertificate.Authority("Unrelated Client CA");
    private HttpsUpstream _upstream = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var leaf = Ca.Issue("backend.test");
        _upstream = await HttpsUpstream.StartAsync(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = leaf.Certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, _, _) => IssuedByCa(certificate),
        }, c => c.Response.WriteAsync($"client {c.Connection.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, false)}"));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _upstream.DisposeAsync();
        await DisposeAsync();
    }

    private static bool IssuedByCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private RouteModel Route(BackendTlsModel tls) => _upstream.Route(tls);

    private static BackendTlsModel Trusting(TestCertificate? client) => new()
    {
        Sni = "backend.test",
        CaPem = Ca.CertificatePem,
        ClientCertificate = client is null ? null : $"Secret shop/client sha256:{client.Thumbprint}",
        ClientCertificatePem = client?.CertificatePem,
        ClientKeyPem = client?.KeyPem,
    };

    [Fact]
    public async Task ClientCertificateFromTheUpstreamsCa_IsPresented_Answers200()
    {
        await Gateway.PublishAsync(Route(Trusting(Ca.IssueClient("konnect-gateway"))));

        using var response = await Gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("client konnect-gateway", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NoClientCertificate_Answers502ProblemJson()
    {
        await Gateway.PublishAsync(Route(Trusting(null)));

        using var response = await Gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await TestGateway.ProblemAsync(response, Problem.UpstreamUnreachable);
    }

    [Fact]
    public async Task ClientCertificateChange_NextModel_PresentsTheNewOne()
    {
        await Gateway.PublishAsync(Route(Trusting(OtherCa.IssueClient("stranger"))));
        using (var refused = await Gateway.GetAsync("/a")) { await TestGateway.ProblemAsync(refused, Problem.UpstreamUnreachable); }

        await Gateway.PublishAsync(Route(Trusting(Ca.IssueClient("konnect-gateway"))));

        using var response = await Gateway.GetAsync("/b");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
