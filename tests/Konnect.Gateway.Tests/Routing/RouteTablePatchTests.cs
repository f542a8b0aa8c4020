using Konnect.Gateway.Routing;
using Konnect.Model;
using Microsoft.AspNetCore.Http;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Routing;

/// <summary>
/// An endpoint change patches the route table in place of building it again: the entries of the rules that changed
/// take their old entries' places. The patched table must answer every request as a table built afresh would.
/// </summary>
public sealed class RouteTablePatchTests
{
    private static readonly RouteModel[] Rules =
    [
        Route("exact-specific", "http://10.0.0.1:80", Prefix("/v2", rank: 0)) with { Hosts = ["api.example.com"] },
        Route("exact", "http://10.0.0.2:80", Prefix("/", rank: 1)) with { Hosts = ["api.example.com", "API.example.com"] },
        Route("wildcard", "http://10.0.0.3:80", Prefix("/", rank: 2)) with { Hosts = ["*.example.com"] },
        Route("https-only", "http://10.0.0.4:80", Prefix("/secure", rank: 3)) with { Hosts = ["shop.example.com"], Scheme = "https" },
        Route("http-only", "http://10.0.0.5:80", Prefix("/", rank: 4)) with { Hosts = ["shop.example.com"], Scheme = "http" },
        Route("any", "http://10.0.0.6:80", Prefix("/", rank: 5), Exact("/health", rank: 6)),
    ];

    private static readonly (string Host, string Path, bool Https)[] Requests =
    [
        ("api.example.com", "/v2/x", false), ("api.example.com", "/v1", false), ("a.example.com", "/", true),
        ("shop.example.com", "/secure/cart", true), ("shop.example.com", "/secure/cart", false), ("shop.example.com", "/", true),
        ("elsewhere.test", "/health", false), ("", "/", false),
    ];

    [Fact]
    public void WithReplaced_EveryRulesEndpointsMoved_AnswersAsATableBuiltAfresh_AndTheOldTableStays()
    {
        var regexes = new RegexCache();
        var before = Entries(Rules, regexes);
        var table = RouteTable.Build(before);
        // Every rule's backends move, as an EndpointSlice change makes of them: new rule models, same hosts and matches.
        var moved = Rules.Select(r => r with { Backends = [r.Backends[0] with { Endpoints = ["http://10.1.0.9:80"] }] }).ToArray();
        var after = Entries(moved, regexes);

        var patched = table.WithReplaced([.. before.Zip(after)]);

        Assert.NotNull(patched);
        var fresh = RouteTable.Build(after);
        foreach (var (host, path, https) in Requests)
        {
            var expected = fresh.Match(Request(host, https), path);
            Assert.Same(expected, patched.Match(Request(host, https), path));
            Assert.Same(expected is null ? null : before[after.IndexOf(expected)], table.Match(Request(host, https), path));
        }
        Assert.Equal("any", patched.Match(Request("elsewhere.test", https: false), "/health")!.Route.Route);
    }

    [Fact]
    public void WithReplaced_TwoRulesOfEqualRankTradePlaces_EachEntryLandsWhereItsPairSays()
    {
        // Equal ranks fall back to model order. When two rules of one host trade places, each new entry is the other
        // pair's old one: the patch must put each where its own pair says, not undo the first swap with the second.
        var regexes = new RegexCache();
        var first = Route("first", "http://10.0.0.1:80", Prefix("/")) with { Hosts = ["api.example.com"] };
        var second = Route("second", "http://10.0.0.2:80", Prefix("/")) with { Hosts = ["api.example.com"] };
        var before = Entries([first, second], regexes);
        var table = RouteTable.Build(before);

        var patched = table.WithReplaced([(before[0], before[1]), (before[1], before[0])]);

        Assert.NotNull(patched);
        Assert.Same(RouteTable.Build([before[1], before[0]]).Match(Request("api.example.com", https: false), "/x"),
            patched.Match(Request("api.example.com", https: false), "/x"));
        Assert.Equal("second", patched.Match(Request("api.example.com", https: false), "/x")!.Route.Route);
    }

    [Fact]
    public void WithReplaced_AnEntryWithOtherHostsRankOrScheme_Null()
    {
        var regexes = new RegexCache();
        var before = Entries(Rules, regexes);
        var table = RouteTable.Build(before);

        foreach (var other in (RouteModel[])[
            Rules[2] with { Hosts = ["*.example.org"] },
            Rules[2] with { Matches = [Prefix("/", rank: 9)] },
            Rules[2] with { Scheme = "https" }])
        {
            var entry = Entries([other], regexes).Single();
            Assert.Null(table.WithReplaced([(before[2], entry)]));
        }
    }

    // The table only picks entries; whether one can serve is not its business.
    private static readonly Unavailable Unreached = new("NotProgrammed", "not served in this test");

    private static List<MatchedRoute> Entries(IEnumerable<RouteModel> rules, RegexCache regexes) =>
        [.. rules.SelectMany(r => r.Matches.Select(m => new MatchedRoute(r, m, RouteMatcher.Compile(m, regexes), null, Unreached)))];

    private static HttpRequest Request(string host, bool https)
    {
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString(host);
        context.Request.IsHttps = https;
        return context.Request;
    }
}
