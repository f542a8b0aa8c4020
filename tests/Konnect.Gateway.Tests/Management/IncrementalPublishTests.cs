using System.Net;
using Konnect.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Management;

/// <summary>A publish rebuilds only the rules that changed; every other rule keeps what was built for it.</summary>
public sealed class IncrementalPublishTests : GatewayTest
{
    [Fact]
    public async Task PublishAsync_OneRuleChanged_OtherRulesKeepTheirYarpRuntime()
    {
        var a = Route("a", Backend.Url("/a"), Prefix("/a"));
        await Gateway.PublishAsync(a, Route("b", Backend.Url("/b1"), Prefix("/b")));
        var before = YarpRoutes();
        var clusterB = Cluster("test/b/0");

        // Rule a only moves in rank (another rule came before it); rule b gets a new endpoint.
        await Gateway.PublishAsync(a with { Matches = [a.Matches[0] with { Rank = 7 }] }, Route("b", Backend.Url("/b2"), Prefix("/b")));
        var after = YarpRoutes();

        Assert.Same(before["test/a/0"], after["test/a/0"]);
        // An endpoint change edits the cluster's destinations in place: the same cluster state, the new address.
        Assert.Same(clusterB, Cluster("test/b/0"));
        Assert.EndsWith("/b2", Assert.Single(clusterB.Destinations.Values).Model.Config.Address, StringComparison.Ordinal);
        Assert.Equal("/a/a/x", await Gateway.BodyAsync("/a/x"));
        Assert.Equal("/b2/b/x", await Gateway.BodyAsync("/b/x"));
    }

    [Fact]
    public async Task PublishAsync_RulesWithAlikeTransforms_ShareOneTransformer_OthersRewriteTheirOwnWay()
    {
        await Gateway.PublishAsync(
            Route("a", Backend.Url(), Prefix("/a")),
            Route("b", Backend.Url(), Prefix("/b")),
            Route("c", Backend.Url(), Prefix("/c")) with { RewritePathPrefix = "/one" },
            Route("d", Backend.Url(), Prefix("/d")) with { RewritePathPrefix = "/two" });
        var routes = YarpRoutes();

        Assert.Same(routes["test/a/0"].Transformer, routes["test/b/0"].Transformer);
        Assert.NotSame(routes["test/c/0"].Transformer, routes["test/d/0"].Transformer);
        Assert.Equal("/a/x", await Gateway.BodyAsync("/a/x"));
        Assert.Equal("/b/x", await Gateway.BodyAsync("/b/x"));
        Assert.Equal("/one/x", await Gateway.BodyAsync("/c/x"));
        Assert.Equal("/two/x", await Gateway.BodyAsync("/d/x"));
    }

    [Fact]
    public async Task PublishAsync_RuleWhoseClientCannotBeBuilt_RejectedAlone_OthersApply()
    {
        // The controller refuses a CA bundle that does not parse; a model that carries one anyway must not stop the
        // rest of the publish, nor leave the rule serving without the CA it asked for.
        const string brokenCa = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        var broken = Route("bad", Backend.Url(), Prefix("/bad")) with
        {
            Backends = [new Konnect.Model.BackendModel { Name = "bad", Weight = 1, Endpoints = [Backend.Url()], Tls = new Konnect.Model.BackendTlsModel { CaPem = brokenCa } }],
        };

        var result = await Gateway.Publisher.PublishAsync(TestGateway.Model(broken, Route("good", Backend.Url("/g"), Prefix("/good"))), CancellationToken.None);

        Assert.Contains("could not build its upstream client", Assert.Single(result.Rejected).Value, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", result.Rejected.Single().Value, StringComparison.Ordinal);
        Assert.False(Lookup.TryGetCluster("test/bad/0", out _));
        using var refused = await Gateway.GetAsync("/bad/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.StartsWith("InvalidConfiguration: ", (await TestGateway.ProblemAsync(refused, Problem.RouteUnavailable)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("/g/good/x", await Gateway.BodyAsync("/good/x"));
    }

    [Fact]
    public async Task PublishAsync_RuleRemoved_LeavesTheRuntime()
    {
        await Gateway.PublishAsync(Route("a", Backend.Url("/a"), Prefix("/a")), Route("b", Backend.Url("/b"), Prefix("/b")));

        await Gateway.PublishAsync(Route("a", Backend.Url("/a"), Prefix("/a")));

        Assert.Equal(["test/a/0"], YarpRoutes().Keys);
        Assert.False(Lookup.TryGetCluster("test/b/0", out _));
        using var gone = await Gateway.GetAsync("/b/x");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task PublishAsync_RejectedRuleKeptAcrossPublishes_StaysRejectedAlone()
    {
        var bad = Route("bad", Backend.Url(), Prefix("/bad")) with { RewritePathPrefix = "no-slash" };
        var first = await Gateway.Publisher.PublishAsync(TestGateway.Model(bad, Route("good", Backend.Url("/g1"), Prefix("/good"))), CancellationToken.None);

        var second = await Gateway.Publisher.PublishAsync(TestGateway.Model(bad, Route("good", Backend.Url("/g2"), Prefix("/good"))), CancellationToken.None);

        Assert.Equal(["test/bad/0"], first.Rejected.Keys);
        Assert.Equal(first.Rejected, second.Rejected);
        using var rejected = await Gateway.GetAsync("/bad/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.StartsWith("InvalidConfiguration: ", (await TestGateway.ProblemAsync(rejected, Problem.RouteUnavailable)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("/g2/good/x", await Gateway.BodyAsync("/good/x"));
    }

    private global::Yarp.ReverseProxy.IProxyStateLookup Lookup => Gateway.Services.GetRequiredService<global::Yarp.ReverseProxy.IProxyStateLookup>();

    private Dictionary<string, global::Yarp.ReverseProxy.Model.RouteModel> YarpRoutes() => Lookup.GetRoutes().ToDictionary(r => r.Config.RouteId);

    private global::Yarp.ReverseProxy.Model.ClusterState Cluster(string id) =>
        Lookup.TryGetCluster(id, out var cluster) ? cluster : throw new InvalidOperationException($"no cluster {id}");
}
