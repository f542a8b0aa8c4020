using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Gateway.Redis;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Redis;
using Microsoft.Extensions.DependencyInjection;
using static Konnect.Gateway.Tests.Policies.RateLimiting.RateLimits;

namespace Konnect.Gateway.Tests.Policies.RateLimiting;

/// <summary>scope: cluster with a real redis-server: gateways share buckets, and a Redis outage follows failurePolicy.</summary>
public sealed class ClusterRateLimitTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync();
        _backend = await TestBackend.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<TestGateway> GatewayAsync(bool withRedis = true)
    {
        var gateway = await TestGateway.StartAsync(configure: o => o.Redis = withRedis ? new RedisOptions { Address = _redis.Endpoint } : null);
        return withRedis ? await gateway.RedisAnsweringAsync() : gateway;
    }

    [Fact]
    public async Task TwoGateways_SharingRedis_AdmitTheLimitBetweenThem()
    {
        await using var a = await GatewayAsync();
        await using var b = await GatewayAsync();
        var route = Limited(_backend, Cluster(100, "1h"));
        await a.PublishAsync(route);
        await b.PublishAsync(route);

        // 200 requests, 8 at a time, alternating between the two gateways.
        var admitted = 0;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < 200)
            {
                using var response = await (n % 2 == 0 ? a : b).GetAsync("/limited/x");
                if (response.StatusCode == HttpStatusCode.OK) { Interlocked.Increment(ref admitted); }
                else { await AssertLimitedAsync(response); }
            }
        }));

        Assert.InRange(admitted, 95, 105);
        Assert.Equal(admitted, _backend.RequestCount);
    }

    [Fact]
    public async Task Headers_RequestsThroughTheOtherGateway_Counted()
    {
        await using var a = await GatewayAsync();
        await using var b = await GatewayAsync();
        var route = Limited(_backend, Cluster(10, "1h"));
        await a.PublishAsync(route);
        await b.PublishAsync(route);

        for (var i = 0; i < 3; i++) { (await a.GetAsync("/limited/x")).Dispose(); }
        using var response = await b.GetAsync("/limited/x");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(10, Header(response, "RateLimit-Limit"));
        Assert.Equal(6, Header(response, "RateLimit-Remaining"));
    }

    [Fact]
    public async Task RedisStopped_FailurePolicyOpen_AdmitsAndSaysSoInStatusUntilItIsBack()
    {
        await using var gateway = await GatewayAsync();
        await gateway.PublishAsync(Limited(_backend, Cluster(2, "1h")));
        Assert.Equal(2, await AdmittedUntilLimitedAsync(gateway, "/limited/x", 5));
        Assert.Null(RedisUnavailable(gateway));

        await _redis.StopAsync();
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.GetAsync("/limited/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("RateLimit-Remaining"));
        }
        var degraded = await PollRedisUnavailableAsync(gateway, expected: true);
        Assert.NotNull(degraded);
        Assert.Equal(("False", "RedisUnavailable"), (degraded.Status, degraded.Reason));
        Assert.Contains(_redis.Endpoint, degraded.Message);
        Assert.Contains("failurePolicy open", degraded.Message);

        // Redis comes back empty (no persistence): the condition clears and limiting resumes.
        await _redis.StartAsync();
        Assert.Null(await PollRedisUnavailableAsync(gateway, expected: false));
        Assert.Equal(2, await AdmittedUntilLimitedAsync(gateway, "/limited/x", 5));
    }

    [Fact]
    public async Task RedisStopped_FailurePolicyClosed_RefusesWith503()
    {
        await using var gateway = await GatewayAsync();
        await gateway.PublishAsync(Limited(_backend, Cluster(100, "1h", RateLimitFailurePolicy.Closed)));
        Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/limited/x")).StatusCode);

        await _redis.StopAsync();
        using var response = await gateway.GetAsync("/limited/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response, Problem.RateLimitUnavailable);
        Assert.EndsWith("/ratelimit-unavailable", problem.GetProperty("type").GetString());
        Assert.Equal(1, _backend.RequestCount);
        var degraded = await PollRedisUnavailableAsync(gateway, expected: true);
        Assert.Contains("failurePolicy closed", degraded!.Message);
    }

    [Fact]
    public async Task ClusterLimits_NoRedisConfigured_FollowTheirFailurePolicy()
    {
        await using var gateway = await GatewayAsync(withRedis: false);
        await gateway.PublishAsync(Limited(_backend, Cluster(1, "1h", RateLimitFailurePolicy.Closed)));

        using var response = await gateway.GetAsync("/limited/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("--redis", (await TestGateway.ProblemAsync(response, Problem.RateLimitUnavailable)).GetProperty("detail").GetString());
        Assert.Contains("no Redis is configured", (await PollRedisUnavailableAsync(gateway, expected: true))!.Message);
    }

    [Fact]
    public async Task RedisRestarted_UnderLoad_AdmitsWhileDownAndLimitsAgainOnceBackWithoutAGatewayRestart()
    {
        var timeout = TimeSpan.FromSeconds(1);
        await using var gateway = await TestGateway.StartAsync(configure: o => o.Redis = new RedisOptions { Address = _redis.Endpoint, CommandTimeout = timeout });
        await gateway.PublishAsync(Limited(_backend, Cluster(20, "1h")));

        // Four clients keep sending; each response is filed under the phase it was sent in.
        var phase = 0; // 0 up, 1 down, 2 back
        var seen = new ConcurrentQueue<(int Phase, HttpStatusCode Status, bool Headers, TimeSpan Took)>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var sentIn = Volatile.Read(ref phase);
                var clock = Stopwatch.StartNew();
                using var response = await gateway.GetAsync("/limited/x");
                seen.Enqueue((sentIn, response.StatusCode, response.Headers.Contains("RateLimit-Remaining"), clock.Elapsed));
            }
        })).ToArray();

        async Task Until(Func<bool> condition, string what)
        {
            var deadline = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"not within 30 s: {what}");
                Assert.DoesNotContain(load, t => t.IsFaulted);
                await Task.Delay(20);
            }
        }

        await Until(() => seen.Any(r => r is { Phase: 0, Status: HttpStatusCode.TooManyRequests }), "the limit enforced before the restart");
        await _redis.StopAsync();
        Volatile.Write(ref phase, 1);
        await Until(() => seen.Count(r => r.Phase == 1) >= 40, "40 requests while Redis is down");
        Assert.NotNull(await PollRedisUnavailableAsync(gateway, expected: true));
        await _redis.StartAsync();
        Volatile.Write(ref phase, 2);
        // Redis restarts empty: the library reconnects by itself, buckets start full and run out again.
        await Until(() => seen.Any(r => r is { Phase: 2, Status: HttpStatusCode.TooManyRequests }), "the limit enforced again after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var down = seen.Where(r => r.Phase == 1).ToList();
        Assert.All(down, r => Assert.Equal((HttpStatusCode.OK, false), (r.Status, r.Headers)));
        // failurePolicy applies at once while Redis is down: never a wait past the command timeout (plus a loaded machine's slack).
        Assert.All(down, r => Assert.True(r.Took < timeout + TimeSpan.FromMilliseconds(700), $"a request took {r.Took.TotalMilliseconds:0} ms while Redis was down"));
        Assert.True(down.Count(r => r.Took < timeout / 2) > down.Count / 2, "most requests fail over at once rather than waiting for the timeout");
        Assert.Null(await PollRedisUnavailableAsync(gateway, expected: false));
    }

    [Fact]
    public async Task RedisStopsAnswering_Request_CostsAtMostTheCommandTimeoutAndSaysSo()
    {
        var timeout = TimeSpan.FromMilliseconds(800);
        await using var gateway = await TestGateway.StartAsync(configure: o => o.Redis = new RedisOptions { Address = _redis.Endpoint, CommandTimeout = timeout });
        await gateway.PublishAsync(Limited(_backend, Cluster(100, "1h", RateLimitFailurePolicy.Closed)));
        await gateway.RedisAnsweringAsync();
        Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/limited/x")).StatusCode);

        await _redis.PauseAsync();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await gateway.GetAsync("/limited/x");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                await TestGateway.ProblemAsync(response, Problem.RateLimitUnavailable);
                Assert.True(clock.Elapsed < timeout + TimeSpan.FromMilliseconds(700), $"request {i} took {clock.ElapsedMilliseconds} ms against a frozen Redis");
            }
            var degraded = await PollRedisUnavailableAsync(gateway, expected: true);
            Assert.Contains($"Redis {_redis.Endpoint}:", degraded!.Message);
            Assert.Contains("no reply within 800 ms", degraded.Message);
        }
        finally
        {
            await _redis.ResumeAsync();
        }
        Assert.Null(await PollRedisUnavailableAsync(gateway, expected: false));
        Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/limited/x")).StatusCode);
    }
}
