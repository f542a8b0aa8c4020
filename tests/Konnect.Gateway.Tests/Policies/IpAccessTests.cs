using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>ipAccess over real sockets: the test client is 127.0.0.1 (or ::1), so lists are written around it.</summary>
public sealed class IpAccessTests
{
    private static RouteModel Guarded(TestBackend backend, string[]? allow = null, string[]? deny = null, string[]? trusted = null, string name = "ip") =>
        Routes.Route(name, backend.Url("/" + name)) with
        {
            Policies = new PoliciesModel
            {
                IpAccess = new IpAccessModel
                {
                    Policy = "test/ip",
                    Allow = allow ?? [],
                    Deny = deny ?? [],
                    TrustedProxies = trusted ?? [],
                    ForwardedHeader = "X-Forwarded-For",
                },
            },
        };

    private static async Task<HttpStatusCode> StatusAsync(TestGateway gateway, string? forwardedFor = null)
    {
        using var response = await gateway.GetAsync("/x", headers: forwardedFor is null ? [] : [("X-Forwarded-For", forwardedFor)]);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            var problem = await TestGateway.ProblemAsync(response);
            Assert.EndsWith("/ip-denied", problem.GetProperty("type").GetString());
        }

        return response.StatusCode;
    }

    [Theory]
    [InlineData(new[] { "127.0.0.1/32" }, new string[0], HttpStatusCode.OK)]
    [InlineData(new[] { "10.0.0.0/8" }, new string[0], HttpStatusCode.Forbidden)]
    [InlineData(new string[0], new[] { "127.0.0.0/8" }, HttpStatusCode.Forbidden)]
    [InlineData(new string[0], new[] { "10.0.0.0/8" }, HttpStatusCode.OK)]
    // Deny wins over allow.
    [InlineData(new[] { "127.0.0.0/8" }, new[] { "127.0.0.1/32" }, HttpStatusCode.Forbidden)]
    public async Task AllowAndDenyLists_SocketAddress_Judged(string[] allow, string[] deny, HttpStatusCode expected)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Guarded(backend, allow, deny));

        Assert.Equal(expected, await StatusAsync(gateway));
        Assert.Equal(expected == HttpStatusCode.OK ? 1 : 0, backend.RequestCount);
    }

    [Theory]
    [InlineData(new[] { "::1/128" }, HttpStatusCode.OK)]
    [InlineData(new[] { "127.0.0.0/8" }, HttpStatusCode.Forbidden)]
    public async Task IPv6Client_IPv6Ranges_Judged(string[] allow, HttpStatusCode expected)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(trafficUrl: "http://[::1]:0");
        await gateway.PublishAsync(Guarded(backend, allow));

        Assert.Equal(expected, await StatusAsync(gateway));
    }

    [Theory]
    [InlineData("203.0.113.5", HttpStatusCode.OK)]
    [InlineData("198.51.100.1", HttpStatusCode.Forbidden)]
    // Trusted hops on the right are skipped; the first untrusted entry is the client.
    [InlineData("203.0.113.5, 127.0.0.9", HttpStatusCode.OK)]
    // Whatever the client wrote to the left of its own address is not believed.
    [InlineData("203.0.113.5, 198.51.100.1", HttpStatusCode.Forbidden)]
    // A trusted proxy forwarding garbage is judged itself.
    [InlineData("not-an-ip", HttpStatusCode.Forbidden)]
    public async Task ForwardedAddress_UsedOnlyThroughTrustedProxies(string forwardedFor, HttpStatusCode expected)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Guarded(backend, allow: ["203.0.113.0/24"], trusted: ["127.0.0.0/8"]));

        Assert.Equal(expected, await StatusAsync(gateway, forwardedFor));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.0/8")]
    public async Task SpoofedForwardedHeader_SocketNotATrustedProxy_Ignored(string trustedProxy)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Guarded(backend, allow: ["203.0.113.0/24"], trusted: trustedProxy.Length == 0 ? [] : [trustedProxy]));

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(gateway, "203.0.113.5"));
        Assert.Equal(0, backend.RequestCount);
    }
}
