using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy;

namespace Konnect.Gateway.Tests.Resilience;

/// <summary>
/// Retries go to an endpoint the request has not tried yet, over real sockets: a loopback port that refuses
/// connections stands in for a dead pod, a <see cref="RawUpstream"/> that reads the whole request and hangs up without
/// answering for a pod that dies mid-request. Each test runs with either forwarder setting: a rule with retries is
/// always sent by YARP's forwarder (Konnect's HTTP/1.1 forwarder does not take such rules), and that must hold in both.
/// </summary>
public sealed class RetryElsewhereTests
{
    public static TheoryData<ForwarderKind> Forwarders => new() { ForwarderKind.Konnect, ForwarderKind.Yarp };

    public static TheoryData<ForwarderKind, int> ForwardersAndRefusing => new()
    {
        { ForwarderKind.Konnect, 1 }, { ForwarderKind.Konnect, 2 }, { ForwarderKind.Yarp, 1 }, { ForwarderKind.Yarp, 2 },
    };

    public static TheoryData<ForwarderKind, bool> ForwardersAndFraming => new()
    {
        { ForwarderKind.Konnect, false }, { ForwarderKind.Konnect, true }, { ForwarderKind.Yarp, false }, { ForwarderKind.Yarp, true },
    };

    [Theory]
    [MemberData(nameof(ForwardersAndRefusing))]
    public async Task Get_AllButOneEndpointRefuse_AllOf100Succeed(ForwarderKind forwarder, int refusing)
    {
        // One live endpoint among one or two refusing ones, attempts 3: the third attempt at the latest reaches it.
        var dead = Enumerable.Range(0, refusing).Select(_ => new RefusingEndpoint()).ToList();
        await using var live = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(forwarder);
        await gateway.PublishAsync(Rule(Retry(), [live.Url("/live"), .. dead.Select(d => d.Url)]));

        var answers = new List<string>();
        try
        {
            for (var i = 0; i < 100; i++) { answers.Add(await gateway.BodyAsync("/x")); }
        }
        finally
        {
            dead.ForEach(d => d.Dispose());
        }

        Assert.All(answers, a => Assert.Equal("/live/x", a));
        Assert.Equal(100, live.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Forwarders))]
    public async Task Get_OneOfTwoBackendsRefuses_RetryGoesToTheOther_AccessLogNamesIt(ForwarderKind forwarder)
    {
        using var dead = new RefusingEndpoint();
        await using var live = await TestBackend.StartAsync();
        var gateway = await StartAsync(forwarder);
        await gateway.PublishAsync(Rule(Retry(), [dead.Url], [live.Url("/live")]));

        // Equal weights: each request's first attempt picks either backend at random.
        for (var i = 0; i < 40; i++) { Assert.Equal("/live/x", await gateway.BodyAsync("/x")); }
        // Stopping drains the requests and flushes the log, so every line is there.
        await gateway.DisposeAsync();

        var lines = gateway.AccessLog.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(40, lines.Count);
        Assert.All(lines, l => Assert.Equal((200, "live"), (l.GetProperty("status").GetInt32(), l.GetProperty("backend").GetString())));
    }

    [Theory]
    [MemberData(nameof(Forwarders))]
    public async Task Post_10KiBBodySentThenDropped_RetriedElsewhere_UpstreamGetsEveryByte(ForwarderKind forwarder)
    {
        // The first endpoint reads the whole request, then hangs up without answering: the body was sent, so only a
        // kept copy can go again.
        await using var dropping = RawUpstream.Start(_ => RawReply.Text("", close: true));
        await using var live = RawUpstream.Start(_ => RawReply.Ok("live"));
        await using var gateway = await StartAsync(forwarder);
        await gateway.PublishAsync(Rule(Retry("POST"), [dropping.Url(), live.Url()]) with { Policies = RoundRobin(Retry("POST")) });
        byte[][] bodies = [Body(10 * 1024, seed: 1), Body(10 * 1024, seed: 2)];

        // Round robin: one of the two requests goes to the dropping endpoint first, the other to the live one.
        foreach (var body in bodies)
        {
            using var response = await PostAsync(gateway, body, chunked: false);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("live", await response.Content.ReadAsStringAsync());
        }

        Assert.Single(dropping.Requests);
        Assert.Equal(bodies.Length, live.Requests.Count);
        for (var i = 0; i < bodies.Length; i++)
        {
            Assert.Equal("10240", live.Requests[i].Field("content-length"));
            Assert.True(bodies[i].AsSpan().SequenceEqual(live.Requests[i].Body), $"body {i} arrived changed");
        }
    }

    [Theory]
    [MemberData(nameof(ForwardersAndFraming))]
    public async Task Post_LargeOrChunkedBody_FirstEndpointRefuses_RetriedElsewhereWhole(ForwarderKind forwarder, bool chunked)
    {
        // A refused connection never took a byte of the body, so even a body that is not kept can go elsewhere.
        using var dead = new RefusingEndpoint();
        await using var live = RawUpstream.Start(_ => RawReply.Ok("live"));
        await using var gateway = await StartAsync(forwarder);
        await gateway.PublishAsync(Rule(Retry("POST"), [dead.Url, live.Url()]) with { Policies = RoundRobin(Retry("POST")) });
        byte[][] bodies = [Body(100 * 1024, seed: 3), Body(100 * 1024, seed: 4)];

        foreach (var body in bodies)
        {
            using var response = await PostAsync(gateway, body, chunked);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(bodies.Length, live.Requests.Count);
        for (var i = 0; i < bodies.Length; i++)
        {
            Assert.True(bodies[i].AsSpan().SequenceEqual(live.Requests[i].Body), $"body {i} arrived changed");
        }
    }

    [Theory]
    [MemberData(nameof(ForwardersAndFraming))]
    public async Task Post_LargeOrChunkedBodySentThenDropped_NotRetried_502Problem(ForwarderKind forwarder, bool chunked)
    {
        // Over 64 KiB, or without a Content-Length, the body is streamed and not kept: once it went to an endpoint that
        // then failed, the request cannot go again, and the client gets the gateway's 502.
        await using var dropping = RawUpstream.Start(_ => RawReply.Text("", close: true));
        await using var live = RawUpstream.Start(_ => RawReply.Ok("live"));
        await using var gateway = await StartAsync(forwarder);
        await gateway.PublishAsync(Rule(Retry("POST"), [dropping.Url(), live.Url()]) with { Policies = RoundRobin(Retry("POST")) });
        byte[][] bodies = [Body(100 * 1024, seed: 5), Body(100 * 1024, seed: 6)];

        var statuses = new List<HttpStatusCode>();
        foreach (var body in bodies)
        {
            using var response = await PostAsync(gateway, body, chunked);
            statuses.Add(response.StatusCode);
            if (response.StatusCode != HttpStatusCode.OK) { await TestGateway.ProblemAsync(response, Problem.UpstreamUnreachable); }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadGateway], statuses.Order());
        // The dropping endpoint got one whole body; the live one only the request that went to it first.
        Assert.Single(dropping.Requests);
        Assert.Single(live.Requests);
        Assert.Contains(bodies, b => b.AsSpan().SequenceEqual(dropping.Requests[0].Body));
    }

    [Theory]
    [MemberData(nameof(Forwarders))]
    public async Task Get_RefusingEndpointWithPassiveHealth_FailedAttemptsEjectIt_NoRequestFails(ForwarderKind forwarder)
    {
        // Each failed attempt counts against its endpoint, even when a retry elsewhere answers the client: otherwise a
        // dead pod would never be ejected, and would cost every other request a retry from the budget.
        using var dead = new RefusingEndpoint();
        await using var live = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(forwarder);
        var health = new HealthCheckModel
        {
            Policy = "test/health",
            Passive = new PassiveHealthModel { ConsecutiveFailures = 2, ReactivationPeriod = TimeSpan.FromMinutes(5) },
        };
        await gateway.PublishAsync(Rule(Retry(), [dead.Url, live.Url("/live")]) with
        {
            Policies = new PoliciesModel { Resilience = new ResilienceModel { Retry = Retry(), HealthCheck = health } },
        });

        // At random, the dead endpoint is picked first in about half of these: twice is enough to eject it.
        for (var i = 0; i < 40; i++) { Assert.Equal("/live/x", await gateway.BodyAsync("/x")); }

        // YARP takes an ejected endpoint out of the available set on the thread pool, a moment later.
        await ResilienceFixture.EventuallyAsync(() => !Available(gateway, dead.Url), "the refusing endpoint is out of rotation");
    }

    private static async Task<TestGateway> StartAsync(ForwarderKind forwarder) =>
        // A clock that stands still: the retry budget is what the rule's numbers give, never what time adds.
        await TestGateway.StartAsync(configure: o => o.Forwarder = forwarder,
            services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(new ManualClock())));

    /// <summary>Attempts 3 on connect failures only; a budget that never runs out in these tests (1,000 saved retries).</summary>
    private static RetryModel Retry(params string[] moreMethods) => new()
    {
        Policy = "test/retry",
        Attempts = 3,
        OnConnectFailure = true,
        OnTimeout = false,
        Methods = [.. new[] { "DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE" }.Concat(moreMethods).Order(StringComparer.Ordinal)],
        BudgetRatio = 0.2,
        BudgetMinPerSecond = 1000,
    };

    private static PoliciesModel RoundRobin(RetryModel retry) => new()
    {
        Resilience = new ResilienceModel { Retry = retry, LoadBalancing = new LoadBalancingModel { Policy = "test/lb", Algorithm = "RoundRobin" } },
    };

    /// <summary>One rule on "/" named "app"; each array is a backend ("live" when it is the last of several, else "dead").</summary>
    private static RouteModel Rule(RetryModel retry, params string[][] backends) =>
        Routes.Route("app", backends[0][0]) with
        {
            Backends = [.. backends.Select((endpoints, i) => new BackendModel
            {
                Name = backends.Length == 1 ? "app" : i == backends.Length - 1 ? "live" : "dead",
                Weight = 1,
                Endpoints = endpoints,
            })],
            Policies = new PoliciesModel { Resilience = new ResilienceModel { Retry = retry } },
        };

    private static byte[] Body(int length, int seed)
    {
        var body = new byte[length];
        new Random(seed).NextBytes(body);
        return body;
    }

    private static Task<HttpResponseMessage> PostAsync(TestGateway gateway, byte[] body, bool chunked)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(body) };
        if (chunked) { request.Headers.TransferEncodingChunked = true; }
        return gateway.Traffic.SendAsync(request);
    }

    private static bool Available(TestGateway gateway, string endpoint)
    {
        Assert.True(gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("test/app/0", out var cluster));
        return cluster.DestinationsState.AvailableDestinations.Any(d => d.DestinationId == $"b0/{endpoint}");
    }

    /// <summary>
    /// A loopback port that refuses connections: bound, so nothing else takes it while the test runs, but not
    /// listening, so every connect is answered with a reset (ECONNREFUSED), as a pod whose server is down.
    /// </summary>
    private sealed class RefusingEndpoint : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public RefusingEndpoint() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}";

        public void Dispose() => _socket.Dispose();
    }
}
