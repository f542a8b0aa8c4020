using System.Net;
using System.Text.Json;
using Konnect.Controller.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Admin;

public sealed class AdminEndpointsTests : GatewayTest
{
    [Fact]
    public async Task Readyz_BeforeAndAfterFirstPublish_503Then200()
    {
        using (var before = await Gateway.Admin.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        }

        using (var traffic = await Gateway.GetAsync("/a"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, traffic.StatusCode);
            Assert.EndsWith("not-ready", (await TestGateway.ProblemAsync(traffic)).GetProperty("type").GetString());
        }

        await Gateway.PublishAsync(Route("a", Backend.Url()));

        using var after = await Gateway.Admin.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Healthz_Always_200Ok()
    {
        using var response = await Gateway.Admin.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Config_AfterPublish_ReturnsAppliedModelJson()
    {
        var model = await Gateway.PublishAsync(Route("a", Backend.Url(), Prefix("/a")) with { Hosts = ["api.example.com"] });

        using var response = await Gateway.Admin.GetAsync("/config");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var served = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), ModelJsonContext.Default.GatewayModel)!;
        Assert.Equal(model.Version, served.Version);
        var route = Assert.Single(served.Routes);
        Assert.Equal("test/a/0", route.Id);
        Assert.Equal(["api.example.com"], route.Hosts);
        Assert.Equal(PathKind.PathPrefix, route.Matches[0].PathKind);
    }

    [Fact]
    public async Task AdminPort_TrafficPath_NeverReachesRoutes()
    {
        await Gateway.PublishAsync(Route("root", Backend.Url("/root")));

        using var response = await Gateway.Admin.GetAsync("/orders");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.EndsWith("admin-not-found", (await TestGateway.ProblemAsync(response)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task TrafficPort_AdminPath_IsRoutedNormally()
    {
        await Gateway.PublishAsync(Route("root", Backend.Url("/root")));

        Assert.Equal("/root/healthz", await Gateway.BodyAsync("/healthz"));
        Assert.Equal("/root/config", await Gateway.BodyAsync("/config"));
    }
}
