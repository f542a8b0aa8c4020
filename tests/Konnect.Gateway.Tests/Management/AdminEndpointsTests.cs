using System.Net;
using System.Text.Json;
using Konnect.Model;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Api.V1Alpha1;
using Microsoft.Extensions.DependencyInjection;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Management;

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
            Assert.EndsWith("not-ready", (await TestGateway.ProblemAsync(traffic, Problem.NotReady)).GetProperty("type").GetString());
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
    public async Task Status_ServesTheBoardsNewestConditionsAndSubscriptions()
    {
        var board = Gateway.Services.GetRequiredService<StatusBoard>();
        var consumer = new ObjectRef("KonnectConsumer", "partners", "acme");
        await board.ReportAsync(
        [
            new ObjectStatus
            {
                Object = consumer,
                Generation = 3,
                Conditions = [new Konnect.Api.Kubernetes.Condition { Type = ConditionTypes.ResolvedRefs, Status = "False", Reason = "SecretNotFound", Message = "spec.credentials.apiKeys[0]: Secret partners/acme-key not found", ObservedGeneration = 3 }],
                Subscriptions = [new SubscriptionStatus { Route = "shop/orders", State = "Pending", Message = "Waiting for approval" }],
            },
        ], CancellationToken.None);

        using var response = await Gateway.Admin.GetAsync("/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var status = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("partners", status.GetProperty("object").GetProperty("namespace").GetString());
        var condition = Assert.Single(status.GetProperty("conditions").EnumerateArray());
        Assert.Equal("SecretNotFound", condition.GetProperty("reason").GetString());
        Assert.Equal("False", condition.GetProperty("status").GetString());
        Assert.Equal("Pending", status.GetProperty("subscriptions")[0].GetProperty("state").GetString());
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
