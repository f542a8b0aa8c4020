using System.Text;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>
/// Requests too large, through each forwarder: an oversized request line or header section gets Kestrel's 414 or
/// 431, a body over the gateway's limit (64 KiB in the rig) its 413 problem, and the connection closes; the upstream
/// never gets such a request whole.
/// </summary>
[Collection(HostileHttpCollection.Name)]
public sealed class RequestLimitsTests(HostileHttpRig rig, ITestOutputHelper output)
{
    private static readonly int Limit = (int)HostileHttpRig.Limits.MaxRequestBodySize!.Value;

    public static TheoryData<string, int> Oversized() => HostileHttpRig.WithEachGateway(["request-line", "header-field", "header-count", "body-length", "body-chunked"]);

    [Theory]
    [MemberData(nameof(Oversized))]
    public async Task OversizedRequest_RefusedWithItsStatus_NeverReachesTheUpstream(string name, int gatewayIndex)
    {
        var gateway = rig.Gateways[gatewayIndex];
        var target = $"/echo/oversized/{name}/{gatewayIndex}/";
        var (wire, expected) = name switch
        {
            // Kestrel's defaults: an 8 KiB request line, a 32 KiB header section of at most 100 fields.
            "request-line" => ($"GET {target}?q={new string('a', 9 * 1024)} HTTP/1.1\r\nHost: h\r\n\r\n", 414),
            "header-field" => ($"GET {target} HTTP/1.1\r\nHost: h\r\nX-Big: {new string('a', 40 * 1024)}\r\n\r\n", 431),
            "header-count" => ($"GET {target} HTTP/1.1\r\nHost: h\r\n{string.Concat(Enumerable.Range(0, 120).Select(i => $"X-F{i}: v\r\n"))}\r\n", 431),
            "body-length" => ($"POST {target} HTTP/1.1\r\nHost: h\r\nContent-Length: {Limit + 1}\r\n\r\n{new string('a', Limit + 1)}", 413),
            _ => ($"POST {target} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n{Chunks(Limit + 4096)}0\r\n\r\n", 413),
        };

        await using var client = await gateway.ConnectAsync();
        await client.TrySendAsync(wire);
        var answer = await client.ReadResponseAsync(TimeSpan.FromSeconds(20));
        var closed = answer is null || await client.ClosedWithinAsync(TimeSpan.FromSeconds(5));
        var outcome = answer is null ? "closed without an answer" : $"{answer.Status}{(answer.IsProblem ? " problem" : "")}{(closed ? " + close" : "")}";
        ReliabilityFigures.Record(output, "hostile HTTP", $"oversized {name} ({gateway.Name})", outcome, answer?.Status == expected ? "met" : "missed");

        Assert.Equal(expected, answer?.Status);
        // A body the gateway refuses is its own answer; a head Kestrel refuses gets Kestrel's bare status.
        if (expected == 413) { Assert.True(answer!.IsProblem, $"{gateway.Name}, {name}: {answer.Head}\n{answer.Text}"); }
        Assert.True(closed, $"{gateway.Name}, {name}: the connection stayed open after {answer?.Status}");
        Assert.DoesNotContain(rig.Seen(target), r => r.Complete);
        await rig.AssertHealthyAsync(gateway, $"oversized-{name}");
    }

    // Kestrel counts a chunked body with its framing (chunk sizes and line ends) against the limit, so one of exactly
    // the limit's data is refused; a declared length of exactly the limit is not.
    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(0, true)]
    [InlineData(1, true)]
    public async Task BodyUpToTheLimit_IsForwardedWhole(int gatewayIndex, bool chunked)
    {
        var gateway = rig.Gateways[gatewayIndex];
        var target = $"/echo/up-to-limit/{gatewayIndex}/{chunked}/";
        var size = chunked ? Limit - 1024 : Limit;
        await using var client = await gateway.ConnectAsync();
        await client.SendAsync(chunked
            ? $"POST {target} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n{Chunks(size)}0\r\n\r\n"
            : $"POST {target} HTTP/1.1\r\nHost: h\r\nContent-Length: {size}\r\n\r\n{new string('b', size)}");

        var answer = await client.ReadResponseAsync(TimeSpan.FromSeconds(20));

        Assert.True(answer?.Text == RecordingUpstream.AnswerTo("POST", target), $"{gateway.Name}: {answer?.Head}\n{answer?.Text}");
        Assert.Equal(size, Assert.Single(rig.Seen(target)).BodyLength);
    }

    /// <summary>A chunked body of <paramref name="size"/> bytes in 4 KiB chunks (the last chunk not included).</summary>
    private static string Chunks(int size)
    {
        var text = new StringBuilder();
        for (var left = size; left > 0; left -= 4096)
        {
            var n = Math.Min(4096, left);
            text.Append(n.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n").Append('b', n).Append("\r\n");
        }
        return text.ToString();
    }
}
