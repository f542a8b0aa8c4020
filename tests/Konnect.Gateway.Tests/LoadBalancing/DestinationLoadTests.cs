using System.Net;
using Konnect.Gateway.LoadBalancing;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.LoadBalancing;

/// <summary>
/// The in-flight count the load-aware policies weigh (<see cref="DestinationLoad.InFlight"/>: YARP's count of what its
/// forwarder sends plus Konnect's of what its own sends), over real sockets to a real Kestrel upstream that holds each
/// request until the test lets it go.
/// </summary>
public sealed class DestinationLoadTests
{
    /// <summary>A header that makes Konnect's forwarder hand the request to YARP's (it does not do 100-continue).</summary>
    private static readonly (string, string) ThroughYarp = ("Expect", "100-continue");

    [Theory]
    [InlineData(ForwarderKind.Konnect, "answered")]
    [InlineData(ForwarderKind.Konnect, "upstream-failed")]
    [InlineData(ForwarderKind.Konnect, "timed-out")]
    [InlineData(ForwarderKind.Konnect, "client-aborted")]
    [InlineData(ForwarderKind.Yarp, "answered")]
    [InlineData(ForwarderKind.Yarp, "upstream-failed")]
    [InlineData(ForwarderKind.Yarp, "timed-out")]
    [InlineData(ForwarderKind.Yarp, "client-aborted")]
    public async Task HeldRequest_CountsOneOnItsDestination_AndNoneOnceItEnds(ForwarderKind forwarder, string outcome)
    {
        await using var upstream = await HoldingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(configure: o => o.Forwarder = forwarder);
        // Only the timeout case has a short one: the others must not time out while the test looks at the counts.
        await gateway.PublishAsync(Route("a", upstream.Url("/a"), Prefix("/")) with { Timeout = outcome == "timed-out" ? TimeSpan.FromSeconds(2) : null });
        var destination = Destination(gateway, "test/a/0");
        using var cancel = new CancellationTokenSource();

        var path = outcome switch { "answered" => "/ok", "upstream-failed" => "/fail", _ => "/hang" };
        var pending = gateway.Traffic.GetAsync(path, cancel.Token);
        await EventuallyAsync(() => upstream.Held == 1, "the upstream holds the request");

        Assert.Equal(1, DestinationLoad.InFlight(destination));
        // Counted once, by the forwarder that sent it.
        Assert.Equal(forwarder == ForwarderKind.Yarp ? (1, 0) : (0, 1), (destination.ConcurrentRequestCount, Direct(destination)));

        switch (outcome)
        {
            case "client-aborted":
                await cancel.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
                break;
            default:
                upstream.Release();
                using (var response = await pending)
                {
                    var expected = outcome switch { "answered" => HttpStatusCode.OK, "upstream-failed" => HttpStatusCode.BadGateway, _ => HttpStatusCode.GatewayTimeout };
                    Assert.Equal(expected, response.StatusCode);
                    if (outcome != "answered")
                    {
                        await TestGateway.ProblemAsync(response, outcome == "upstream-failed" ? Problem.UpstreamUnreachable : Problem.UpstreamTimeout);
                    }
                }
                break;
        }

        // The count drops as the forwarder finishes, which can be a moment after the client has its answer.
        await EventuallyAsync(() => DestinationLoad.InFlight(destination) == 0, "the count is back to zero");
        Assert.Equal((0, 0), (destination.ConcurrentRequestCount, Direct(destination)));
        await EventuallyAsync(() => upstream.Held == 0, "the upstream saw the request end");
    }

    [Fact]
    public async Task ManyParallelRequests_ThroughBothForwarders_AreCountedExactly_AndZeroAtRest()
    {
        const int Requests = 120;
        await using var upstream = await HoldingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync();
        // Two endpoints (the same server under two base paths): the default power-of-two-choices spreads the requests.
        await gateway.PublishAsync(Route("a", upstream.Url("/a"), Prefix("/")) with
        {
            Backends = [new() { Name = "a", Weight = 1, Endpoints = [upstream.Url("/a"), upstream.Url("/b")] }],
        });
        var lookup = gateway.Services.GetRequiredService<IProxyStateLookup>();
        Assert.True(lookup.TryGetCluster("test/a/0", out var cluster));
        var destinations = cluster.Destinations.Values.ToArray();
        Assert.Equal(2, destinations.Length);

        // Every other request goes through YARP's forwarder: both forwarders count the same destinations at once.
        var pending = Enumerable.Range(0, Requests)
            .Select(i => gateway.GetAsync("/ok", headers: i % 2 == 0 ? [] : [ThroughYarp]))
            .ToArray();
        await EventuallyAsync(() => upstream.Held == Requests, $"the upstream holds all {Requests} requests");

        Assert.Equal(Requests, destinations.Sum(DestinationLoad.InFlight));
        Assert.Equal(Requests / 2, destinations.Sum(d => d.ConcurrentRequestCount));
        Assert.Equal(Requests / 2, destinations.Sum(Direct));

        upstream.Release();
        foreach (var response in await Task.WhenAll(pending))
        {
            using (response) { Assert.Equal(HttpStatusCode.OK, response.StatusCode); }
        }

        // A lost increment or decrement would leave a count that never returns to zero.
        await EventuallyAsync(() => destinations.All(d => DestinationLoad.InFlight(d) == 0), "every count is back to zero");
        Assert.All(destinations, d => Assert.Equal((0, 0), (d.ConcurrentRequestCount, Direct(d))));
    }

    // The requests above overlap only a few at a time on this machine's two cores, which a non-atomic count survives
    // most runs; here threads enter and leave the same destination in tight loops, which it does not.
    [Fact]
    public async Task EnterAndLeave_FromSeveralThreadsAtOnce_LoseNoCount()
    {
        var load = new DestinationLoad(null);
        var destination = new DestinationState("d", new DestinationModel(new DestinationConfig { Address = "http://127.0.0.1:1", Metadata = load }));
        var threads = Environment.ProcessorCount + 1;
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            // About a second of overlap whatever the machine's speed; requests pile up and drain in bursts, as they do
            // on a busy endpoint, so every thread's updates land on a count the others are changing too.
            var until = Environment.TickCount64 + 1000;
            var pairs = 0L;
            while (Environment.TickCount64 < until)
            {
                for (var i = 0; i < 1000; i++) { load.Enter(); }
                for (var i = 0; i < 1000; i++) { load.Leave(); }
                pairs += 1000;
            }
            return pairs;
        }, TaskCreationOptions.LongRunning)).ToArray();
        var pairs = (await Task.WhenAll(workers)).Sum();

        Assert.True(pairs > 1_000_000, $"only {pairs} enter/leave pairs ran");
        Assert.Equal(0, load.Direct);
        Assert.Equal(0, DestinationLoad.InFlight(destination));
    }

    /// <summary>What Konnect's forwarder has in flight to <paramref name="destination"/>; every destination the runtime builds has a count.</summary>
    private static int Direct(DestinationState destination) => Assert.IsType<DestinationLoad>(DestinationLoad.Of(destination)).Direct;

    private static DestinationState Destination(TestGateway gateway, string clusterId)
    {
        Assert.True(gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster(clusterId, out var cluster));
        return Assert.Single(cluster.Destinations.Values);
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 400 && !condition(); i++) { await Task.Delay(25); }
        Assert.True(condition(), $"timed out waiting until {what}");
    }

    /// <summary>
    /// A Kestrel upstream that holds every request until <see cref="Release"/>, then answers "ok" (paths ending "/ok")
    /// or resets the connection (paths ending "/fail"); paths ending "/hang" are never answered.
    /// </summary>
    private sealed class HoldingUpstream : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held;

        private HoldingUpstream(WebApplication app) => _app = app;

        /// <summary>Requests inside the handler now.</summary>
        public int Held => Volatile.Read(ref _held);

        public string Url(string basePath) => $"http://127.0.0.1:{_app.Port()}{basePath}";

        public void Release() => _gate.TrySetResult();

        public static async Task<HoldingUpstream> StartAsync()
        {
            var app = LoopbackApp.Create();
            var upstream = new HoldingUpstream(app);
            app.Run(upstream.HandleAsync);
            await app.StartAsync();
            return upstream;
        }

        private async Task HandleAsync(HttpContext context)
        {
            Interlocked.Increment(ref _held);
            try
            {
                var path = context.Request.Path.Value ?? "";
                var gate = path.EndsWith("/hang", StringComparison.Ordinal) ? Task.Delay(Timeout.Infinite) : _gate.Task;
                await gate.WaitAsync(context.RequestAborted);
                if (path.EndsWith("/fail", StringComparison.Ordinal))
                {
                    context.Abort();
                    return;
                }
                await context.Response.WriteAsync("ok");
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The gateway gave up on the request (its timeout, or its client went away).
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Release();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
