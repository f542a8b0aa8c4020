using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;

namespace Konnect.Gateway.Tests.Policies;

public sealed class CorsTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _gateway = await TestGateway.StartAsync();
        var route = Routes.Route("cors", _backend.Url("/cors")) with
        {
            Policies = new PoliciesModel
            {
                Cors = new CorsModel
                {
                    Policy = "test/web",
                    AllowOrigins = ["https://*.example.org", "https://app.example.com"],
                    AllowMethods = ["GET", "PUT"],
                    AllowHeaders = ["content-type", "x-api-key"],
                    ExposeHeaders = ["x-request-id"],
                    AllowCredentials = true,
                    MaxAgeSeconds = 600,
                },
            },
        };
        await _gateway.PublishAsync(route);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private Task<HttpResponseMessage> PreflightAsync(string origin, string method = "PUT", string? headers = null) =>
        _gateway.GetAsync("/p", method: HttpMethod.Options, headers: headers is null
            ? [("Origin", origin), ("Access-Control-Request-Method", method)]
            : [("Origin", origin), ("Access-Control-Request-Method", method), ("Access-Control-Request-Headers", headers)]);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("https://a.example.org")]
    [InlineData("https://a.b.example.org")]
    public async Task Preflight_Allowed_AnsweredByTheGateway(string origin)
    {
        using var response = await PreflightAsync(origin, headers: "Content-Type, X-API-Key");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("Origin", Header(response, "Vary"));
        Assert.Equal("GET, PUT", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("content-type, x-api-key", Header(response, "Access-Control-Allow-Headers"));
        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Equal(0, _backend.RequestCount);
    }

    [Theory]
    [InlineData("https://evil.com", "PUT", null)]
    [InlineData("https://example.org", "PUT", null)]
    [InlineData("https://evil-example.org", "PUT", null)]
    [InlineData("https://a.example.org.evil.com", "PUT", null)]
    [InlineData("http://app.example.com", "PUT", null)]
    [InlineData("https://app.example.com", "DELETE", null)]
    [InlineData("https://app.example.com", "PUT", "x-other")]
    public async Task Preflight_Refused_Gets403AndNeverReachesTheUpstream(string origin, string method, string? headers)
    {
        using var response = await PreflightAsync(origin, method, headers);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response);
        Assert.EndsWith("/cors-denied", problem.GetProperty("type").GetString());
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal(0, _backend.RequestCount);
    }

    [Fact]
    public async Task ActualRequest_AllowedOrigin_GetsCorsHeadersOnTheUpstreamResponse()
    {
        using var response = await _gateway.GetAsync("/data", headers: [("Origin", "https://app.example.com")]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/cors/data", await response.Content.ReadAsStringAsync());
        Assert.Equal("https://app.example.com", Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Equal("x-request-id", Header(response, "Access-Control-Expose-Headers"));
        Assert.Contains("Origin", Header(response, "Vary"));
    }

    [Fact]
    public async Task ActualRequest_DisallowedOrigin_ProxiedWithoutCorsHeaders()
    {
        using var response = await _gateway.GetAsync("/data", headers: [("Origin", "https://evil.com")]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
        Assert.Equal(1, _backend.RequestCount);
    }

    [Fact]
    public async Task Options_WithoutPreflightHeaders_Proxied()
    {
        using var response = await _gateway.GetAsync("/data", method: HttpMethod.Options);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _backend.RequestCount);
    }
}
