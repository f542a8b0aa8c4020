using Konnect.Gateway.Tests.Forwarding;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Hosting;

/// <summary>
/// Requests refused before any step reads them, with either forwarder: ambiguous body framing Kestrel lets through, a
/// bare LF line end, and bodies over <see cref="ClientLimits.MaxRequestBodySize"/>; each gets its problem answer (or
/// Kestrel's 400), the connection closes, and the request never reaches the upstream whole.
/// </summary>
public sealed class RequestFramingMiddlewareTests
{
    private const int Limit = 1024;

    [Theory]
    [InlineData(ForwarderKind.Konnect, "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData(ForwarderKind.Yarp, "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData(ForwarderKind.Konnect, "Transfer-Encoding: chunked, chunked\r\n")]
    [InlineData(ForwarderKind.Yarp, "Transfer-Encoding: Chunked,chunked\r\n")]
    public async Task ChunkedAppliedTwice_Answers400BadFraming_AndCloses(ForwarderKind forwarder, string codings)
    {
        await using var rig = await Rig.StartAsync(forwarder);

        // Kestrel decodes the chunked coding once: the bytes after "0" would be a request of their own.
        var raw = await ForwarderPair.RawAsync(rig.Gateway, $"POST /a/x HTTP/1.1\r\nHost: t\r\n{codings}\r\n0\r\n\r\nGET /a/smuggled HTTP/1.1\r\nHost: t\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", raw);
        Assert.Contains($"\"type\":\"{Problem.BadFraming.Type}\"", raw, StringComparison.Ordinal);
        Assert.Contains("Connection: close", raw, StringComparison.Ordinal);
        Assert.Single(raw.Split("HTTP/1.1 ")[1..]);
        Assert.Empty(rig.Upstream.Requests);
    }

    [Theory]
    [InlineData(ForwarderKind.Konnect)]
    [InlineData(ForwarderKind.Yarp)]
    public async Task BareLineFeedLineEnds_Answers400_NothingUpstream(ForwarderKind forwarder)
    {
        await using var rig = await Rig.StartAsync(forwarder);

        var raw = await ForwarderPair.RawAsync(rig.Gateway, "POST /a/x HTTP/1.1\nHost: t\nContent-Length: 2\n\nokGET /a/smuggled HTTP/1.1\r\nHost: t\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", raw);
        Assert.Empty(rig.Upstream.Requests);
    }

    // A declared length over the limit is refused before the upstream is even connected to; a chunked body that grows
    // past it is cut off on the way (its head may have gone upstream), and from either forwarder the client gets 413.
    [Theory]
    [InlineData(ForwarderKind.Konnect, false)]
    [InlineData(ForwarderKind.Yarp, false)]
    [InlineData(ForwarderKind.Konnect, true)]
    [InlineData(ForwarderKind.Yarp, true)]
    public async Task BodyOverTheLimit_Answers413Problem_UpstreamNeverGetsItWhole(ForwarderKind forwarder, bool chunked)
    {
        await using var rig = await Rig.StartAsync(forwarder);
        var body = chunked
            ? $"Transfer-Encoding: chunked\r\n\r\n{string.Concat(Enumerable.Repeat($"200\r\n{new string('a', 512)}\r\n", 4))}0\r\n\r\n"
            : $"Content-Length: {Limit + 1}\r\n\r\n{new string('a', Limit + 1)}";

        var raw = await ForwarderPair.RawAsync(rig.Gateway, $"POST /a/x HTTP/1.1\r\nHost: t\r\n{body}");

        Assert.StartsWith("HTTP/1.1 413 Payload Too Large\r\n", raw);
        Assert.Contains($"\"type\":\"{Problem.RequestTooLarge.Type}\"", raw, StringComparison.Ordinal);
        Assert.Empty(rig.Upstream.Requests);
        if (!chunked) { Assert.Equal(0, rig.Upstream.Connections); }
    }

    [Theory]
    [InlineData(ForwarderKind.Konnect)]
    [InlineData(ForwarderKind.Yarp)]
    public async Task BodyOfTheLimit_IsForwarded(ForwarderKind forwarder)
    {
        await using var rig = await Rig.StartAsync(forwarder);

        var raw = await ForwarderPair.RawAsync(rig.Gateway, $"POST /a/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {Limit}\r\n\r\n{new string('a', Limit)}");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Equal(Limit, Assert.Single(rig.Upstream.Requests).Body.Length);
    }

    /// <summary>A raw upstream and a gateway with a 1 KiB body limit and one rule "a" on /a.</summary>
    private sealed class Rig(RawUpstream upstream, TestGateway gateway) : IAsyncDisposable
    {
        public RawUpstream Upstream { get; } = upstream;

        public TestGateway Gateway { get; } = gateway;

        public static async Task<Rig> StartAsync(ForwarderKind forwarder)
        {
            var upstream = RawUpstream.Start(_ => RawReply.Ok());
            var gateway = await TestGateway.StartAsync(configure: o =>
            {
                o.Forwarder = forwarder;
                o.ClientLimits.MaxRequestBodySize = Limit;
            });
            await gateway.PublishAsync(Route("a", upstream.Url(), Prefix("/a")));
            return new Rig(upstream, gateway);
        }

        public async ValueTask DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
