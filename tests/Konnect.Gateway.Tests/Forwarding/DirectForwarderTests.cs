using System.Net;
using Konnect.Model;
using Konnect.Gateway.Forwarding;
using Konnect.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Forwarding;

/// <summary>Konnect's HTTP/1.1 forwarder's own connection handling: pooling, stale connections, timeouts, aborts.</summary>
public sealed class DirectForwarderTests
{
    [Fact]
    public async Task TwoRulesSameUpstream_SequentialRequests_ShareOneKeepAliveConnection()
    {
        await using var upstream = RawUpstream.Start(_ => RawReply.Ok());
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Route("a", upstream.Url("/a"), Prefix("/a")), Route("b", upstream.Url("/b"), Prefix("/b")));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("ok", await gateway.BodyAsync("/a/x"));
            Assert.Equal("ok", await gateway.BodyAsync("/b/x"));
        }

        Assert.Equal(6, upstream.Requests.Count);
        Assert.Equal(1, upstream.Connections);
        var targets = gateway.Services.GetRequiredService<UpstreamTargets>();
        Assert.Equal((2, 1), (targets.Count, targets.PoolCount));
    }

    [Fact]
    public async Task UpstreamSaysConnectionClose_NextRequest_OpensANewConnection()
    {
        await using var rig = await Rig.StartAsync(_ => RawReply.Text("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", close: true));
        var (upstream, gateway) = (rig.Upstream, rig.Gateway);

        Assert.Equal("ok", await gateway.BodyAsync("/a/1"));
        Assert.Equal("ok", await gateway.BodyAsync("/a/2"));

        Assert.Equal(2, upstream.Connections);
    }

    [Fact]
    public async Task UpstreamClosedThePooledConnectionSilently_NextRequests_StillSucceed()
    {
        // The upstream answers and then closes without saying so, as a server whose keep-alive timeout just expired.
        await using var rig = await Rig.StartAsync(_ => RawReply.Text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", close: true));
        var (upstream, gateway) = (rig.Upstream, rig.Gateway);

        Assert.Equal("ok", await gateway.BodyAsync("/a/1"));
        // Once the upstream has shut the socket, its close is in the gateway's receive queue (loopback delivers at once).
        await Eventually(() => upstream.ClosedByUpstream == 1);
        // Without a body: sent on the stale connection, then again on a new one.
        Assert.Equal("ok", await gateway.BodyAsync("/a/2"));
        await Eventually(() => upstream.ClosedByUpstream == 2);
        // With a body: the closed connection is noticed before the body is read.
        using var post = await gateway.Traffic.PostAsync("/a/3", new StringContent("payload"));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);

        Assert.Equal(["GET", "GET", "POST"], upstream.Requests.Select(r => r.RequestLine.Split(' ')[0]));
        Assert.Equal("payload", System.Text.Encoding.ASCII.GetString(upstream.Requests[2].Body));
    }

    [Fact]
    public async Task UpstreamIdleLongerThanTheIdleTimeout_GatewayClosesTheConnection_AndForgetsTheAddress()
    {
        await using var upstream = RawUpstream.Start(_ => RawReply.Ok());
        await using var gateway = await TestGateway.StartAsync(configure: o => o.UpstreamIdleTimeout = TimeSpan.FromSeconds(1));
        await gateway.PublishAsync(Route("a", upstream.Url(), Prefix("/a")));
        var targets = gateway.Services.GetRequiredService<UpstreamTargets>();

        Assert.Equal("ok", await gateway.BodyAsync("/a/1"));
        Assert.Equal(0, upstream.ClosedByGateway);

        await Eventually(() => upstream.ClosedByGateway == 1);
        await Eventually(() => targets.Count == 0 && targets.PoolCount == 0);
        Assert.Equal("ok", await gateway.BodyAsync("/a/2"));
        Assert.Equal(2, upstream.Connections);
    }

    [Fact]
    public async Task ClientGivesUpWhileTheUpstreamThinks_GatewayClosesTheUpstreamConnection()
    {
        await using var rig = await Rig.StartAsync(_ => RawReply.Hang);
        var (upstream, gateway) = (rig.Upstream, rig.Gateway);

        using var cancel = new CancellationTokenSource();
        var pending = gateway.Traffic.GetAsync("/a/slow", cancel.Token);
        await Eventually(() => upstream.Requests.Count == 1);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);

        await Eventually(() => upstream.ClosedByGateway == 1);
    }

    [Fact]
    public async Task UpstreamClosesInTheMiddleOfTheBody_ClientSeesABrokenAnswer()
    {
        await using var rig = await Rig.StartAsync(_ => RawReply.Text("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", close: true));
        var (upstream, gateway) = (rig.Upstream, rig.Gateway);

        using var response = await gateway.Traffic.GetAsync("/a/x", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UpstreamSendsBytesOnTheIdleConnection_NextRequestDoesNotTakeThemForItsAnswer()
    {
        var count = 0;
        await using var upstream = RawUpstream.Start(_ => Interlocked.Increment(ref count) == 1
            ? RawReply.Ok("first") with { Later = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 4\r\n\r\nlate"u8.ToArray() }
            : RawReply.Ok("second"));
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Route("a", upstream.Url(), Prefix("/a")));

        Assert.Equal("first", await gateway.BodyAsync("/a/1"));
        // The late answer is on the wire (it leaves 100 ms after the first): the next request must not read it.
        await Eventually(() => upstream.LateSent == 1);

        Assert.Equal("second", await gateway.BodyAsync("/a/2"));
        Assert.Equal(2, upstream.Connections);
    }

    // A head with bare LF line ends: read on to the first CRLF, the fields (here even the body, with a whole response in
    // it) would pass for a reason phrase and the fields behind it.
    [Theory]
    [InlineData("HTTP/1.1 200 OK\nSet-Cookie: s=evil\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 2\n\nokHTTP/1.1 200 OK\r\nSet-Cookie: s=evil\r\nContent-Length: 4\r\n\r\nevil")]
    [InlineData("HTTP/1.1 200 OK\rSet-Cookie: s=evil\r\nContent-Length: 2\r\n\r\nok")]
    public async Task StatusLineCarryingABareLineEnd_Answers502Problem_NothingOfItSent(string reply)
    {
        await using var rig = await Rig.StartAsync(_ => RawReply.Text(reply, close: true));

        var raw = await ForwarderPair.RawAsync(rig.Gateway, "GET /a/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 502 Bad Gateway\r\n", raw);
        Assert.Contains("upstream-unreachable", raw);
        Assert.DoesNotContain("evil", raw);
    }

    [Fact]
    public async Task FieldValueKestrelCannotSend_Answers502Problem_WithoutTheUpstreamsFields()
    {
        await using var upstream = RawUpstream.Start(_ => RawReply.Text(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nContent-Disposition: attachment; filename=\"r\u00c3\u00a9sum\u00c3\u00a9.pdf\"\r\n\r\nhello"));
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Route("a", upstream.Url(), Prefix("/a")));

        using var response = await gateway.GetAsync("/a/x");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await TestGateway.ProblemAsync(response, Problem.UpstreamUnreachable);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    // Obsolete line folding: RFC 9112 5.2 lets a proxy reject it with 502 (YARP's HttpClient unfolds it instead).
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-Bell: a\u0007b\r\n\r\nx")]
    public async Task MalformedField_Answers502Problem(string reply)
    {
        await using var rig = await Rig.StartAsync(_ => RawReply.Text(reply, close: true));
        var (upstream, gateway) = (rig.Upstream, rig.Gateway);

        using var response = await gateway.GetAsync("/a/x");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await TestGateway.ProblemAsync(response, Problem.UpstreamUnreachable);
    }

    [Fact]
    public async Task ClientStopsSendingItsBody_RuleTimeout_Answers504()
    {
        await using var rig = await Rig.StartAsync(_ => RawReply.Ok(), r => r with { Timeout = TimeSpan.FromMilliseconds(500) });
        var (upstream, gateway) = (rig.Upstream, rig.Gateway);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var raw = await ForwarderPair.RawAsync(gateway, "POST /a/x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab", readFor: TimeSpan.FromSeconds(5));

        Assert.StartsWith("HTTP/1.1 504", raw);
        Assert.Contains($"\"type\":\"{Problem.UpstreamTimeout.Type}\"", raw, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"answered after {started.Elapsed}");
    }

    // An answer's head is due within the rule's timeout however it trickles in, as from YARP: 100 Continue every 200 ms
    // or its bytes one by one would otherwise hold the request (and the client) for as long as the upstream likes.
    [Theory]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n")]
    [InlineData("a")]
    public async Task AnswerHeadTrickling_RuleTimeout_Answers504(string piece)
    {
        var trickle = Enumerable.Repeat((200, piece), 40).ToArray();
        var first = piece == "a" ? "HTTP/1.1 200 OK\r\nX-Slow: " : "HTTP/1.1 103 Early Hints\r\n\r\n";
        await using var rig = await Rig.StartAsync(_ => RawReply.Text(first) with { Then = trickle }, r => r with { Timeout = TimeSpan.FromSeconds(1) });

        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await rig.Gateway.GetAsync("/a/x");

        await TestGateway.ProblemAsync(response, Problem.UpstreamTimeout);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"answered after {started.Elapsed}; the trickle lasts 8 s");
    }

    [Theory]
    [InlineData(300, "aaaaa")]
    [InlineData(5000, null)]
    public async Task SlowStream_DeadlineMovesWithEachRead_OnlyAGapLongerThanTheTimeoutCutsIt(int thirdGapMs, string? expected)
    {
        // Five one-byte chunks 300 ms apart (the third after thirdGapMs), under a 2 s rule timeout: the whole stream
        // outlasts the timeout, each gap but a 5 s one stays well inside it (a loaded CI machine stalled a 1 s one).
        var chunks = Enumerable.Range(0, 5).Select(i => (i == 2 ? thirdGapMs : 300, "1\r\na\r\n")).Append((10, "0\r\n\r\n")).ToArray();
        await using var rig = await Rig.StartAsync(
            request => request.RequestLine.Contains("/a/warm", StringComparison.Ordinal)
                ? RawReply.Ok()
                : RawReply.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") with { Then = chunks },
            r => r with { Timeout = TimeSpan.FromSeconds(2) });
        var gateway = rig.Gateway;
        // A first exchange pays the JIT and the connect, which on a busy machine can take a good part of the timeout.
        using (var warm = await gateway.Traffic.GetAsync("/a/warm")) { Assert.Equal(HttpStatusCode.OK, warm.StatusCode); }

        using var response = await gateway.Traffic.GetAsync("/a/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (expected is not null)
        {
            Assert.Equal(expected, await response.Content.ReadAsStringAsync());
        }
        else
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task LargeBodies_BothWays_ArriveWhole()
    {
        var payload = new byte[3 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(payload);
        await using var upstream = RawUpstream.Start(r => new RawReply(
            [.. System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {r.Body.Length}\r\n\r\n"), .. r.Body]));
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Route("a", upstream.Url(), Prefix("/a")));

        using var withLength = await gateway.Traffic.PostAsync("/a/up", new ByteArrayContent(payload));
        Assert.Equal(payload, await withLength.Content.ReadAsByteArrayAsync());
        // No length: the client sends it chunked, and so does the gateway.
        using var chunked = await gateway.Traffic.PostAsync("/a/up", new StreamContent(new MemoryStream(payload)) { Headers = { ContentLength = null } });
        Assert.Equal(payload, await chunked.Content.ReadAsByteArrayAsync());
        Assert.Equal("chunked", upstream.Requests[1].Field("transfer-encoding"));
    }

    [Fact]
    public async Task RuleWithARetryPolicy_OrForwarderYarp_IsLeftToYarp()
    {
        await using var upstream = RawUpstream.Start(_ => RawReply.Ok());
        var retry = new RetryModel
        {
            Policy = "test/retry", Attempts = 2, OnConnectFailure = true, OnTimeout = false, OnStatuses = [503], Methods = ["GET"],
            BudgetRatio = 0.2, BudgetMinPerSecond = 10,
        };
        await using (var gateway = await TestGateway.StartAsync())
        {
            await gateway.PublishAsync(Route("a", upstream.Url(), Prefix("/a")) with { Policies = new PoliciesModel { Resilience = new() { Retry = retry } } });
            Assert.Equal("ok", await gateway.BodyAsync("/a/x"));
            Assert.Equal(0, gateway.Services.GetRequiredService<UpstreamTargets>().Count);
        }
        await using (var gateway = await TestGateway.StartAsync(configure: o => o.Forwarder = ForwarderKind.Yarp))
        {
            await gateway.PublishAsync(Route("a", upstream.Url(), Prefix("/a")));
            Assert.Equal("ok", await gateway.BodyAsync("/a/x"));
            Assert.Equal(0, gateway.Services.GetRequiredService<UpstreamTargets>().Count);
        }
    }

    /// <summary>A raw upstream and a gateway (Konnect's forwarder) with one rule "a" on /a sending to it.</summary>
    private sealed class Rig(RawUpstream upstream, TestGateway gateway) : IAsyncDisposable
    {
        public RawUpstream Upstream { get; } = upstream;

        public TestGateway Gateway { get; } = gateway;

        public static async Task<Rig> StartAsync(Func<RawRequest, RawReply> reply, Func<RouteModel, RouteModel>? rule = null)
        {
            var upstream = RawUpstream.Start(reply);
            var gateway = await TestGateway.StartAsync();
            var route = Route("a", upstream.Url(), Prefix("/a"));
            await gateway.PublishAsync(rule is null ? route : rule(route));
            return new Rig(upstream, gateway);
        }

        public async ValueTask DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) { await Task.Delay(25); }
        Assert.True(condition());
    }
}
