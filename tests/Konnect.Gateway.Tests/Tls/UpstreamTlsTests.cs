using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Tests.Tls;

/// <summary>https backends: a real Kestrel HTTPS upstream whose certificate a private CA issued for backend.test.</summary>
public sealed class UpstreamTlsTests : GatewayTest, IAsyncLifetime
{
    private static readonly TestCertificate Ca = TestCertificate.Authority("Konnect Test CA");
    private static readonly TestCertificate OtherCa = TestCertificate.Authority("Someone Else's CA");
    private HttpsUpstream _upstream = null!;
    private int _port;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var leaf = Ca.Issue("backend.test");
        _upstream = await HttpsUpstream.StartAsync(new() { ServerCertificate = leaf.Certificate },
            c => c.Response.WriteAsync($"{c.Request.Scheme} {c.Request.Host} {c.Request.Path}"));
        _port = _upstream.Port;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _upstream.DisposeAsync();
        await DisposeAsync();
    }

    private RouteModel Route(BackendTlsModel tls) => _upstream.Route(tls);

    /// <summary>The gateway's 502 for an upstream whose certificate it does not trust, not any other 502.</summary>
    private static async Task<System.Text.Json.JsonElement> AssertTlsRefusedAsync(HttpResponseMessage response)
    {
        var problem = await TestGateway.ProblemAsync(response, Problem.UpstreamUnreachable);
        Assert.StartsWith("The TLS handshake with the upstream failed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        return problem;
    }

    [Fact]
    public async Task PrivateCa_MatchingSni_ProxiesOverHttpsWithTheSniAsHost()
    {
        await Gateway.PublishAsync(Route(new BackendTlsModel { Sni = "backend.test", CaPem = Ca.CertificatePem }));

        using var response = await Gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https backend.test /orders", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WrongCa_Answers502ProblemJson()
    {
        await Gateway.PublishAsync(Route(new BackendTlsModel { Sni = "backend.test", CaPem = OtherCa.CertificatePem }));

        using var response = await Gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await AssertTlsRefusedAsync(response);
        Assert.Contains("TLS", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task RightCaWrongName_Answers502()
    {
        await Gateway.PublishAsync(Route(new BackendTlsModel { Sni = "impostor.test", CaPem = Ca.CertificatePem }));

        using var response = await Gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await AssertTlsRefusedAsync(response);
    }

    [Fact]
    public async Task SystemStore_PrivateCa_Answers502()
    {
        await Gateway.PublishAsync(Route(new BackendTlsModel { Sni = "backend.test" }));

        using var response = await Gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await AssertTlsRefusedAsync(response);
    }

    [Fact]
    public async Task InsecureSkipVerify_AcceptsTheUntrustedCertificate()
    {
        await Gateway.PublishAsync(Route(new BackendTlsModel { InsecureSkipVerify = true }));

        using var response = await Gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("https ", await response.Content.ReadAsStringAsync());
    }

    // A CA bundle is per-rule handler state: the rule that verified a connection keeps it to itself, so a rule that
    // does not trust the upstream is not handed that connection from a shared pool (same address, same TLS name).
    [Fact]
    public async Task CaRuleConnected_RuleWithOtherCaToTheSameUpstream_StillAnswers502()
    {
        await Gateway.PublishAsync(Named("trusted", "/t", Ca), Named("other", "/o", OtherCa));

        using (var verified = await Gateway.GetAsync("/t/1")) { Assert.Equal(HttpStatusCode.OK, verified.StatusCode); }
        using var refused = await Gateway.GetAsync("/o/1");
        using var again = await Gateway.GetAsync("/t/2");

        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        await AssertTlsRefusedAsync(refused);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task CaRuleConnected_SystemStoreRuleToTheSameUpstream_StillAnswers502()
    {
        await Gateway.PublishAsync(Named("trusted", "/t", Ca), Named("plain", "/p", ca: null));

        using (var verified = await Gateway.GetAsync("/t/1")) { Assert.Equal(HttpStatusCode.OK, verified.StatusCode); }
        using var refused = await Gateway.GetAsync("/p/1");
        using var again = await Gateway.GetAsync("/t/2");

        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        await AssertTlsRefusedAsync(refused);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private RouteModel Named(string name, string prefix, TestCertificate? ca) =>
        Route(new BackendTlsModel { Sni = "backend.test", CaPem = ca?.CertificatePem }) with
        {
            Id = $"test/{name}/0",
            Route = name,
            Matches = [Routes.Prefix(prefix)],
        };

    [Fact]
    public async Task CaChange_NextModel_TrustsTheNewCa()
    {
        await Gateway.PublishAsync(Route(new BackendTlsModel { Sni = "backend.test", CaPem = OtherCa.CertificatePem }));
        using (var refused = await Gateway.GetAsync("/a")) { await AssertTlsRefusedAsync(refused); }

        await Gateway.PublishAsync(Route(new BackendTlsModel { Sni = "backend.test", CaPem = Ca.CertificatePem }));

        using var response = await Gateway.GetAsync("/b");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
