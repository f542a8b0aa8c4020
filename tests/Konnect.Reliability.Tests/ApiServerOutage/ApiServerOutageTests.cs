using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Konnect.Commands;
using Konnect.Gateway;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Model;
using Konnect.Testing;
using Konnect.Testing.Jwt;
using Konnect.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static Konnect.Reliability.Tests.ReliabilityFigures;

namespace Konnect.Reliability.Tests.ApiServerOutage;

/// <summary>
/// Issue #22, part 3: `konnect run` in cluster mode (in process, as the cluster-mode functional tests run it) against the
/// fake API server, which stops listening for Size(5 s, 60 s) with its store kept and then listens again on the same
/// port. Steady traffic and /readyz run throughout; during the outage routes are created, changed and deleted, a
/// Service's endpoints move, and a data-plane fact changes a policy's status (its JWKS becomes reachable), so a status
/// write is attempted while nothing answers. After the return every change must be served within 2 s and every status
/// must be on the server with the right observedGeneration.
/// </summary>
public sealed class ApiServerOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Part = "API server outage";
    private const double ServeTargetMs = 2000;
    private static readonly TimeSpan Outage = Size(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60));

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-outage-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<WebApplication> _apps = [];
    private readonly int _jwksPort = TestPorts.Free();
    private OutageCluster _cluster = null!;
    private WebApplication _konnect = null!;
    private int _traffic;
    private int _admin;
    private int _newPort;

    public async Task InitializeAsync()
    {
        // A port below the ephemeral range, so that a minute of refused connections cannot end with the port taken.
        var api = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { Port = TestPorts.Free(), BookmarkInterval = TimeSpan.FromSeconds(1) });
        _cluster = new OutageCluster(api);
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), api.Url, OutageCluster.Ns);
        // The default lease timings (15 s / 10 s / 2 s): a 60 s outage outlasts the renew deadline, a 5 s one does not.
        // No access log: thousands of lines a second to the test's console would only take CPU from what is measured.
        _konnect = RunCommand.Build(new RunOptions(null, ["http://127.0.0.1:0"], ["http://127.0.0.1:0"])
        {
            Kubeconfig = Path.Combine(_dir, "kubeconfig"),
            AccessLog = false,
        });
        // The JWKS that is down before the outage is retried every 250 ms instead of 30 s, so it loads during the outage.
        _konnect.Services.GetRequiredService<GatewayOptions>().JwksMinRefreshInterval = TimeSpan.FromMilliseconds(250);
        await _konnect.StartAsync();
        var listeners = _konnect.Services.GetRequiredService<GatewayListeners>();
        (_traffic, _admin) = (listeners.TrafficEndPoints[0].Port, listeners.AdminEndPoints[0].Port);
    }

    public async Task DisposeAsync()
    {
        await _konnect.StopAsync();
        await _konnect.DisposeAsync();
        foreach (var app in _apps) { await app.DisposeAsync(); }
        await _cluster.Api.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ApiServerDown_ChangesMadeMeanwhile_ServedWithinTwoSecondsOfReturnWithNoFailedRequestOrLostStatus()
    {
        await ApplyAndWaitForServingAsync();
        var elector = _konnect.Services.GetRequiredService<LeaderElector>();
        var steady = Enumerable.Range(0, 4).Select(i => Traffic($"/steady/{i}")).ToList();
        var load = SteadyLoad.Start(_http, steady, "steady", $"http://127.0.0.1:{_admin}/readyz", workers: 4);
        await Repo.EventuallyAsync(() => Task.FromResult(load.Requests > 100), "load running", 10);

        var (requestsAtStop, failuresAtStop, readyAtStop) = (load.Requests, load.Failures, load.ReadyFailures);
        await _cluster.Api.StopAsync();
        var down = Stopwatch.StartNew();
        ChangeEverythingWhileDown();
        await StartJwksAsync();
        // The gateway learns the JWKS loads while the API server is away: the new status is reported (admin /status
        // shows it) and its write has to wait.
        await Repo.EventuallyAsync(async () => await PolicyResolvedOnAdminAsync(), "the policy's new status reported during the outage", (int)Outage.TotalSeconds);
        var reportedDuringOutage = down.Elapsed < Outage;
        await Repo.EventuallyAsync(() => Task.FromResult(down.Elapsed >= Outage), "the outage's end", (int)Outage.TotalSeconds + 10);
        var lastGoodModel = await LastGoodModelProblemAsync();
        var leaderThroughout = elector.IsLeader;

        await _cluster.Api.RestartAsync();
        var back = Stopwatch.StartNew();
        var (requestsDuringOutage, failuresDuringOutage, readyFailuresDuringOutage) =
            (load.Requests - requestsAtStop, load.Failures - failuresAtStop, load.ReadyFailures - readyAtStop);
        var served = await Task.WhenAll(
            TimeUntilAsync(back, async () => await BodyAsync("/created") == "fixed"),
            TimeUntilAsync(back, async () => await BodyAsync("/changed/v2") == "fixed" && await StatusCodeAsync("/changed/v1") == HttpStatusCode.NotFound),
            TimeUntilAsync(back, async () => await StatusCodeAsync("/doomed") == HttpStatusCode.NotFound),
            TimeUntilAsync(back, async () => await BodyAsync("/moving") == "new" && await BodyAsync("/moving") == "new" && await BodyAsync("/moving") == "new"),
            TimeUntilAsync(back, () => Task.FromResult(_cluster.StatusProblem("jwt", "True") is null)),
            TimeUntilAsync(back, () => Task.FromResult(elector.IsLeader)));
        // A second of traffic after everything caught up: the return itself must not fail a request either.
        var after = Stopwatch.StartNew();
        await Repo.EventuallyAsync(() => Task.FromResult(after.Elapsed > TimeSpan.FromSeconds(1)), "a second after the return", 10);
        await load.StopAsync();

        var maxServe = served[..4].Max();
        var statusProblem = _cluster.StatusProblem("jwt", "True");
        Record(output, Part, "outage length (s)", Format(Outage.TotalSeconds));
        Record(output, Part, "requests during the outage", Format(requestsDuringOutage));
        Record(output, Part, "failed requests during the outage", Format(failuresDuringOutage), failuresDuringOutage == 0 ? "met" : "missed");
        Record(output, Part, "failed requests, whole run", Format(load.Failures), load.Failures == 0 ? "met" : "missed");
        Record(output, Part, "readiness failures (/readyz every 100 ms)", Format(load.ReadyFailures), load.ReadyFailures == 0 ? "met" : "missed");
        Record(output, Part, "last good model served through the outage", lastGoodModel ?? "yes", lastGoodModel is null ? "met" : "missed");
        Record(output, Part, "time to serve after return: created route (ms)", Format(served[0]));
        Record(output, Part, "time to serve after return: changed route (ms)", Format(served[1]));
        Record(output, Part, "time to serve after return: deleted route (ms)", Format(served[2]));
        Record(output, Part, "time to serve after return: moved endpoints (ms)", Format(served[3]));
        Record(output, Part, "max time to serve a change after return (ms)", Format(maxServe), maxServe <= ServeTargetMs ? "met" : "missed");
        Record(output, Part, "leadership", leaderThroughout
            ? "kept (the outage was shorter than the 10 s renew deadline)"
            : $"stepped down during the outage; leader again {Format(served[5])} ms after the return");
        Record(output, Part, "status catch-up after return (ms)", Format(served[4]));
        Record(output, Part, "status writes lost", statusProblem is null ? "0" : statusProblem, statusProblem is null ? "met" : "missed");

        Assert.True(load.Failures == 0, $"{load.Failures} of {load.Requests} requests failed: {load.FailureSample}");
        Assert.True(load.ReadyFailures == 0, $"/readyz failed {load.ReadyFailures} of {load.ReadyChecks} times: {load.FailureSample}");
        Assert.True(requestsDuringOutage > Outage.TotalSeconds * 20, $"only {requestsDuringOutage} requests during the outage");
        Assert.Null(lastGoodModel);
        Assert.True(reportedDuringOutage, "the policy's status changed only after the outage: no write was attempted during it");
        Assert.True(maxServe <= ServeTargetMs, $"changes (created, changed, deleted, endpoints) served {string.Join(", ", served[..4])} ms after the return");
        Assert.Null(statusProblem);
    }

    /// <summary>Everything the test watches, applied and served, with its status written, before the outage.</summary>
    private async Task ApplyAndWaitForServingAsync()
    {
        _cluster.PutService("steady", "steady-a", await StartBackendAsync("steady"));
        _cluster.PutService("fixed", "fixed-a", await StartBackendAsync("fixed"));
        _cluster.PutService("moving", "moving-a", await StartBackendAsync("old"));
        _newPort = await StartBackendAsync("new");
        for (var i = 0; i < 4; i++) { _cluster.PutRoute($"steady-{i}", $"/steady/{i}", "steady"); }
        _cluster.PutRoute("changed", "/changed/v1", "fixed");
        _cluster.PutRoute("doomed", "/doomed", "fixed");
        _cluster.PutRoute("moving", "/moving", "moving");
        _cluster.PutJwtPolicy("jwt", $"http://127.0.0.1:{_jwksPort}/jwks");
        _cluster.PutRoute("secured", "/secured", "fixed", policy: "jwt");

        await Repo.EventuallyAsync(async () => await BodyAsync("/steady/3") == "steady" && await BodyAsync("/doomed") == "fixed"
            && await BodyAsync("/changed/v1") == "fixed" && await BodyAsync("/moving") == "old", "every route served", 30);
        await Repo.EventuallyAsync(() => Task.FromResult(_cluster.StatusProblem("jwt", "False") is null), "statuses written before the outage", 30);
    }

    /// <summary>What kubectl (through another API server replica, say) would change while this one is away.</summary>
    private void ChangeEverythingWhileDown()
    {
        // Routes created, changed and deleted; a Service's endpoints moved to another backend.
        _cluster.PutRoute("created", "/created", "fixed");
        _cluster.PutRoute("changed", "/changed/v2", "fixed");
        _cluster.DeleteRoute("doomed");
        _cluster.PutSlice("moving", "moving-b", _newPort);
        _cluster.DeleteSlice("moving-a");
    }

    /// <summary>Null when the gateway still serves what it had before the outage, else what differs.</summary>
    private async Task<string?> LastGoodModelProblemAsync()
    {
        var problems = new List<string>();
        if (await BodyAsync("/doomed") != "fixed") { problems.Add("/doomed (deleted meanwhile) no longer served"); }
        if (await BodyAsync("/changed/v1") != "fixed") { problems.Add("/changed/v1 (moved meanwhile) no longer served"); }
        if (await StatusCodeAsync("/created") != HttpStatusCode.NotFound) { problems.Add("/created (created meanwhile) served before the return"); }
        if (await BodyAsync("/moving") != "old") { problems.Add("/moving left its old endpoints before the return"); }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private async Task<bool> PolicyResolvedOnAdminAsync()
    {
        await using var body = await _http.GetStreamAsync($"http://127.0.0.1:{_admin}/status");
        var statuses = await JsonSerializer.DeserializeAsync(body, ModelJsonContext.Default.IReadOnlyListObjectStatus);
        return statuses!.Any(s => s.Object.Kind == "KonnectPolicy" && s.Object.Name == "jwt"
            && s.Conditions.Any(c => c.Type == ConditionTypes.ResolvedRefs && c.Status == "True"));
    }

    /// <summary>Milliseconds from <paramref name="since"/> until <paramref name="condition"/> holds, polled every 20 ms (30 s at most).</summary>
    private static async Task<double> TimeUntilAsync(Stopwatch since, Func<Task<bool>> condition)
    {
        while (since.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                if (await condition()) { return Math.Round(since.Elapsed.TotalMilliseconds); }
            }
            catch (HttpRequestException) { }
            await Task.Delay(20);
        }
        return double.PositiveInfinity;
    }

    private string Traffic(string path) => $"http://127.0.0.1:{_traffic}{path}";

    private async Task<string?> BodyAsync(string path)
    {
        using var response = await _http.GetAsync(Traffic(path));
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }

    private async Task<HttpStatusCode> StatusCodeAsync(string path)
    {
        using var response = await _http.GetAsync(Traffic(path));
        return response.StatusCode;
    }

    /// <summary>The identity provider, unreachable until the outage, then up on the port the policy names.</summary>
    private Task StartJwksAsync()
    {
        var jwks = JsonSerializer.Serialize(new { keys = new[] { TestKey.NewEc("outage").Jwk } });
        return AddAppAsync(_jwksPort, context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(jwks);
        });
    }

    /// <summary>A real Kestrel upstream that answers its own name.</summary>
    private async Task<int> StartBackendAsync(string name) =>
        new Uri((await AddAppAsync(0, context => context.Response.WriteAsync(name))).Urls.First()).Port;

    private async Task<WebApplication> AddAppAsync(int port, RequestDelegate handle)
    {
        var app = await StartAppAsync(port, handle);
        _apps.Add(app);
        return app;
    }

    private static async Task<WebApplication> StartAppAsync(int port, RequestDelegate handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        return app;
    }
}
