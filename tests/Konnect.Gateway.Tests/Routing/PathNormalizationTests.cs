using Konnect.Model;
using System.Net.Sockets;
using System.Text;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Routing;

/// <summary>
/// No spelling of a protected path reaches the upstream through a less specific route. Requests are written raw on
/// a socket, because HttpClient would clean the paths up before sending them.
/// </summary>
public sealed class PathNormalizationTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        // "/admin" needs an API key and goes to the protected upstream prefix; everything else is public.
        _gateway = await Konnect.Gateway.Tests.Policies.AuthenticationTests.StartAsync(
            Route("admin", _backend.Url("/protected"), Prefix("/admin", rank: 0)) with
            {
                Policies = new PoliciesModel { Authentication = Konnect.Gateway.Tests.Policies.AuthenticationTests.ApiKey },
            },
            Route("public", _backend.Url("/public-upstream"), Prefix("/", rank: 1)) with { Id = "test/public/0" });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData("/admin", "/protected/admin")]
    [InlineData("/admin/", "/protected/admin/")]
    [InlineData("//admin", "/protected/admin")]
    [InlineData("/admin//users", "/protected/admin/users")]
    [InlineData("/%61dmin", "/protected/admin")]
    [InlineData("/public/../admin", "/protected/admin")]
    [InlineData("/public/%2e%2e/admin", "/protected/admin")]
    [InlineData("/public/./../admin/x", "/protected/admin/x")]
    [InlineData("/admin;jsessionid=1", "/protected/admin;jsessionid=1")]
    [InlineData("/admin;x=1", "/protected/admin;x=1")]
    public async Task Request_SpellingOfProtectedPath_ReachesProtectedRoute(string target, string upstream)
    {
        var (status, body) = await SendRawAsync(target, $"x-api-key: {Konnect.Gateway.Tests.Policies.AuthenticationTests.AcmeKey}");

        Assert.Equal(200, status);
        Assert.Equal(upstream, body);
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/")]
    [InlineData("//admin")]
    [InlineData("/admin//users")]
    [InlineData("/%61dmin")]
    [InlineData("/public/../admin")]
    [InlineData("/public/%2e%2e/admin")]
    [InlineData("/admin;jsessionid=1")]
    [InlineData("/admin;x=1")]
    [InlineData("/admin%2F..")]
    [InlineData("/public/%2e%2e%2fadmin")]
    [InlineData("/public/..;/admin")]
    public async Task Request_SpellingOfProtectedPathWithoutKey_NeverReachesUpstream(string target)
    {
        var (status, _) = await SendRawAsync(target);

        Assert.True(status is 401 or 400, $"{target} answered {status}");
        Assert.Equal(0, _backend.RequestCount);
    }

    [Theory]
    [InlineData("/admin%2F..")]
    [InlineData("/public%2f..%2fadmin")]
    [InlineData("/public/..%5Cadmin")]
    [InlineData("/public/..;/admin")]
    [InlineData("/public/.;x/admin")]
    public async Task Request_EncodedSlash_Refused400(string target)
    {
        var (status, body) = await SendRawAsync(target);

        Assert.Equal(400, status);
        Assert.Contains("bad-path", body);
    }

    [Fact]
    public async Task Request_DifferentCase_IsADifferentPath()
    {
        // Documented: matching is case-sensitive (Gateway API); protect case-insensitive upstreams with a (?i) regex match.
        var (status, body) = await SendRawAsync("/Admin");

        Assert.Equal(200, status);
        Assert.Equal("/public-upstream/Admin", body);
    }

    private async Task<(int Status, string Body)> SendRawAsync(string target, string? header = null)
    {
        var endpoint = new Uri(_gateway.Traffic.BaseAddress!.ToString());
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Host, endpoint.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: test\r\n{(header is null ? "" : header + "\r\n")}Connection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ')[1]);
        var body = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        if (response.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return (status, body);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var i = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", i, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[i..lineEnd], 16);
            if (size == 0) { return result.ToString(); }
            result.Append(body, lineEnd + 2, size);
            i = lineEnd + 2 + size + 2;
        }
    }
}
