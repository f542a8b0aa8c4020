using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Tls;

namespace Konnect.Gateway.Tests.Tls;

/// <summary>spec.tls.redirect sends plain HTTP to https with 308; spec.tls.hsts is added to HTTPS responses only.</summary>
public sealed class HttpsRedirectTests : TlsGatewayTest
{
    private static readonly TestCertificate Secure = TestCertificate.SelfSigned("secure.test");

    private Task PublishRoutesAsync() => PublishAsync(
        // plain.test has no certificate of its own: the default one serves it.
        new TlsModel { Certificates = [Certificate(Secure, "shop/secure-tls", "secure.test", "hsts-only.test")], DefaultCertificate = Certificate(Secure, "shop/secure-tls") },
        HostRoute("secure", Backend.Url("/secure"), "secure.test") with
        {
            Tls = new RouteTlsModel { Redirect = true, Hsts = "max-age=31536000; includeSubDomains" },
        },
        HostRoute("hsts-only", Backend.Url("/hsts"), "hsts-only.test") with { Tls = new RouteTlsModel { Hsts = "max-age=300" } },
        HostRoute("plain", Backend.Url("/plain"), "plain.test"));

    [Fact]
    public async Task PlainHttp_RedirectingHost_Gets308ToHttpsWithPathAndQuery()
    {
        await PublishRoutesAsync();

        using var response = await Gateway.GetAsync("/orders/1?expand=items", "secure.test", HttpMethod.Post);

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal($"https://secure.test:{TlsEndPoint.Port}/orders/1?expand=items", response.Headers.Location?.ToString());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal(0, Backend.RequestCount);
    }

    // Found by issue #22's hostile manifests: a route with no hosts serves every host, and its redirect took over every
    // other route's requests on the gateway (the quick start's among them), answering them 308.
    [Fact]
    public async Task RouteWithoutHosts_ItsRedirectAndHsts_TakeOverNoOtherRoutesRequests()
    {
        await PublishAsync(
            new TlsModel { DefaultCertificate = Certificate(Secure, "shop/secure-tls") },
            Routes.Route("hostless", Backend.Url("/hostless"), Routes.Prefix("/hostless")) with
            {
                Tls = new RouteTlsModel { Redirect = true, Hsts = "max-age=300" },
            },
            HostRoute("plain", Backend.Url("/plain"), "plain.test"));

        using var plain = await Gateway.GetAsync("/orders", "plain.test");
        using var other = await Gateway.GetAsync("/nothing-here", "other.test");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("/plain/orders", await plain.Content.ReadAsStringAsync());
        await TestGateway.ProblemAsync(other, Problem.NoRoute);
        Assert.False(other.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task PlainHttp_HostWithoutRedirect_IsProxiedWithoutHsts()
    {
        await PublishRoutesAsync();

        using var plain = await Gateway.GetAsync("/x", "plain.test");
        using var hstsOnly = await Gateway.GetAsync("/y", "hsts-only.test");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("/plain/x", await plain.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, hstsOnly.StatusCode);
        // Browsers ignore HSTS over plain HTTP, and sending it there would only mislead.
        Assert.False(hstsOnly.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Https_HstsHost_ResponsesCarryStrictTransportSecurity()
    {
        await PublishRoutesAsync();
        using var client = HttpsClient([]);

        using var proxied = await SendAsync(client, "secure.test", "/orders");
        using var notFoundPath = await SendAsync(client, "hsts-only.test", "/y");
        using var plainHost = await SendAsync(client, "plain.test", "/z");

        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal("/secure/orders", await proxied.Content.ReadAsStringAsync());
        Assert.Equal("max-age=31536000; includeSubDomains", proxied.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.Equal("max-age=300", notFoundPath.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.False(plainHost.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Redirect_ConfiguredPort_NamesThatPortAndOmits443()
    {
        await using var gateway = await TestGateway.StartAsync(configure: o => o.HttpsRedirectPort = 443);
        await gateway.PublishAsync(HostRoute("secure", Backend.Url("/secure"), "secure.test") with { Tls = new RouteTlsModel { Redirect = true } });

        using var response = await gateway.GetAsync("/a", "secure.test");

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal("https://secure.test/a", response.Headers.Location?.ToString());
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string host, string path) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = host } });
}
