using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Commands;
using Konnect.Gateway;
using Konnect.Kubernetes;
using Konnect.Testing;
using Konnect.Testing.Ai;
using Konnect.Testing.Kubernetes;
using Konnect.Testing.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
namespace Konnect.Functional.Tests.Observability;

/// <summary>
/// The Grafana dashboard cannot rot: every metric its PromQL names must be in a real /metrics scrape. The scrape comes
/// from konnect in cluster mode (fake API server) after traffic that makes each family exist: a proxied request, a
/// policy refusal, a consumer's call (consumer metrics on) to a deprecated, listed version (portal on), a priced AI call,
/// a 410 relist, leadership.
/// </summary>
public sealed partial class DashboardTests : IAsyncLifetime
{
    private static readonly string DashboardPath = Path.Combine(Repo.Root, "charts", "konnect", "dashboards", "konnect.json");

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-dashboard-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private FakeKubeApiServer _api = null!;
    private WebApplication _upstream = null!;
    private FakeAiProvider _model = null!;
    private WebApplication _konnect = null!;
    private GatewayListeners _listeners = null!;

    public async Task InitializeAsync()
    {
        _upstream = LoopbackApp.Create();
        _upstream.Run(context => context.Response.WriteAsync("ok"));
        await _upstream.StartAsync();

        _model = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        _api = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), _api.Url, "default");
        _konnect = RunCommand.Build(new RunOptions(null, ["http://127.0.0.1:0"], ["http://127.0.0.1:0"]) { Kubeconfig = Path.Combine(_dir, "kubeconfig"), ConsumerMetrics = true, PortalListen = ["http://127.0.0.1:0"] });
        await _konnect.StartAsync();
        _listeners = _konnect.Services.GetRequiredService<GatewayListeners>();
    }

    public async Task DisposeAsync()
    {
        await _konnect.StopAsync();
        await _konnect.DisposeAsync();
        await _api.DisposeAsync();
        await _model.DisposeAsync();
        await _upstream.StopAsync();
        await _upstream.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Admin(string path) => $"http://127.0.0.1:{_listeners.AdminEndPoints[0].Port}{path}";

    private string Traffic(string path) => $"http://127.0.0.1:{_listeners.TrafficEndPoints[0].Port}{path}";

    private async Task<Scrape> ScrapeAsync() => new(await _http.GetStringAsync(Admin("/metrics")));

    [Fact]
    public async Task Dashboard_EveryPromQlMetric_IsInARealScrape()
    {
        await Repo.EventuallyAsync(async () => (await _http.GetAsync(Admin("/readyz"))).IsSuccessStatusCode, "konnect ready");
        _api.Put(ResourceTypes.KonnectPolicies, new KonnectPolicy
        {
            Metadata = new ObjectMeta { Name = "nobody", Namespace = "default" },
            Spec = new KonnectPolicySpec { IpAccess = new IpAccessPolicy { Deny = ["127.0.0.1/32"] } },
        });
        PutRoute("open", "/open", policies: null);
        PutRoute("closed", "/closed", policies: ["nobody"]);
        await Repo.EventuallyAsync(async () => (await _http.GetAsync(Traffic("/open"))).StatusCode == HttpStatusCode.OK, "/open proxied");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync(Traffic("/closed"))).StatusCode == HttpStatusCode.Forbidden, "/closed refused");
        await CallAsConsumerDeprecatedAndAiAsync();

        // A watch resuming from a compacted version gets 410 Gone and relists: konnect_watch_restarts_total.
        _api.SetAvailable(false);
        _api.DropWatches();
        PutRoute("open", "/open2", policies: null);
        _api.CompactHistory();
        _api.SetAvailable(true);
        await Repo.EventuallyAsync(async () => (await ScrapeAsync()).Family("konnect_watch_restarts_total").Count > 0, "a relist counted");
        await Repo.EventuallyAsync(async () => (await ScrapeAsync())["konnect_leader"] == 1, "leader gauge at 1");
        var scrape = await ScrapeAsync();

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardPath));
        var expressions = Expressions(dashboard.RootElement).ToList();
        Assert.True(expressions.Count >= 20, $"only {expressions.Count} expressions found: is the dashboard's shape still panels[].targets[].expr?");
        var missing = new List<string>();
        foreach (var (where, expr) in expressions)
        {
            var names = MetricNames(expr);
            Assert.True(names.Count > 0, $"{where}: no metric name found in '{expr}'");
            missing.AddRange(names.Where(n => scrape.Family(n).Count == 0).Select(n => $"{where}: {n}"));
        }

        Assert.True(missing.Count == 0, "metrics the dashboard queries but /metrics does not export:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void MetricNames_PromQl_FunctionsLabelsRangesAndGroupingsAreNotMetrics()
    {
        Assert.Equal(["konnect_http_requests_total"], MetricNames("sum by (namespace, route) (rate(konnect_http_requests_total{code=~\"5..\", route=~\"$route\"}[$__rate_interval]))"));
        Assert.Equal(["a_bucket", "b_sum", "c"], MetricNames("histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m]))) / on (x) group_left b_sum + ignoring(y) 1 - c"));
        Assert.Equal(["konnect_http_requests_total"], MetricNames("label_values(konnect_http_requests_total{namespace=~\"$namespace\"}, route)"));
    }

    /// <summary>Every PromQL expression with where it is: panel targets and query variables.</summary>
    private static IEnumerable<(string Where, string Expr)> Expressions(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            if (!panel.TryGetProperty("targets", out var targets)) { continue; }
            foreach (var target in targets.EnumerateArray())
            {
                yield return ($"panel '{panel.GetProperty("title").GetString()}'", target.GetProperty("expr").GetString()!);
            }
        }

        foreach (var variable in dashboard.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() == "query")
            {
                yield return ($"variable '{variable.GetProperty("name").GetString()}'", variable.GetProperty("query").GetProperty("query").GetString()!);
            }
        }
    }

    /// <summary>
    /// The metric names in a PromQL expression (or a Grafana label_values() query): what is left once strings, label
    /// matchers, ranges, groupings and function calls are taken out, minus keywords and numbers.
    /// </summary>
    internal static List<string> MetricNames(string expr)
    {
        // label_values(metric{...}, label): the trailing label is a label, not a metric.
        expr = LabelValuesLabel().Replace(expr, ")");
        expr = Strings().Replace(expr, "");
        expr = Braces().Replace(expr, "");
        expr = Brackets().Replace(expr, "");
        expr = Groupings().Replace(expr, " ");
        return [.. Identifiers().Matches(expr).Select(m => m.Value)
            .Where(n => n is not ("by" or "without" or "on" or "ignoring" or "group_left" or "group_right" or "bool" or "and" or "or" or "unless" or "offset"))
            .Distinct()];
    }

    [GeneratedRegex("""\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$""")]
    private static partial Regex LabelValuesLabel();

    [GeneratedRegex(@"""(\\.|[^""\\])*""")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Groupings();

    // An identifier not followed by "(" (a function call) and not part of a number.
    [GeneratedRegex(@"(?<![0-9.])\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()")]
    private static partial Regex Identifiers();

    /// <summary>The API panels' families: a consumer's call to a deprecated version (API key), and a priced AI call.</summary>
    private async Task CallAsConsumerDeprecatedAndAiAsync()
    {
        _api.Put(ResourceTypes.Secrets, new Secret
        {
            Metadata = new ObjectMeta { Name = "keys", Namespace = "default" },
            StringData = new Dictionary<string, string> { ["key"] = "dashboard-consumer-key", ["provider"] = "dashboard-provider-key" },
        });
        _api.Put(ResourceTypes.KonnectConsumers, new KonnectConsumer
        {
            Metadata = new ObjectMeta { Name = "reader", Namespace = "default" },
            Spec = new KonnectConsumerSpec { Credentials = new ConsumerCredentials { ApiKeys = [new ApiKeyCredential { SecretName = "keys", Key = "key" }] } },
        });
        _api.Put(ResourceTypes.KonnectPolicies, new KonnectPolicy
        {
            Metadata = new ObjectMeta { Name = "keys", Namespace = "default" },
            Spec = new KonnectPolicySpec { Authentication = new AuthenticationPolicy { ApiKey = new ApiKeyAuthentication { Header = "x-api-key" } } },
        });
        _api.Put(ResourceTypes.KonnectPolicies, new KonnectPolicy
        {
            Metadata = new ObjectMeta { Name = "llm", Namespace = "default" },
            Spec = new KonnectPolicySpec
            {
                Ai = new AiPolicy
                {
                    Providers = [new AiProvider { Name = "p", Type = AiProviderType.OpenAI, BaseUrl = _model.BaseUrl, SecretName = "keys", SecretKeys = ["provider"] }],
                    Models = [new AiModelRoute { Name = "fast", Targets = [new AiTarget { Provider = "p", Model = "upstream-model" }] }],
                    Prices = [new AiPrice { Model = "upstream-model", Input = "1", Output = "2" }],
                },
            },
        });
        PutRoute("old", "/old", policies: ["keys"], api: new RouteApi
        {
            Name = "orders", Version = "v1", Visibility = ApiVisibility.Listed,
            Lifecycle = new ApiLifecycle { State = ApiLifecycleState.Deprecated, DeprecatedAt = "2026-01-01T00:00:00Z" },
        });
        _api.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
        {
            Metadata = new ObjectMeta { Name = "llm", Namespace = "default" },
            Spec = new KonnectRouteSpec { Policies = ["llm"], Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = "/ai" } }] }] },
        });

        await Repo.EventuallyAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Traffic("/old")) { Headers = { { "x-api-key", "dashboard-consumer-key" } } };
            return (await _http.SendAsync(request)).StatusCode == HttpStatusCode.OK;
        }, "/old called by the consumer");
        await Repo.EventuallyAsync(async () =>
        {
            _model.Enqueue(new FakeReply { InputTokens = 10, OutputTokens = 5 });
            using var chat = new StringContent("""{"model":"fast","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json");
            return (await _http.PostAsync(Traffic("/ai/v1/chat/completions"), chat)).StatusCode == HttpStatusCode.OK;
        }, "an AI call answered");
    }

    private void PutRoute(string name, string prefix, List<string>? policies, RouteApi? api = null) => _api.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new KonnectRouteSpec
        {
            Api = api,
            Policies = policies,
            Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = prefix } }], Backends = [new RouteBackend { Url = _upstream.Urls.Single() }] }],
        },
    });
}
