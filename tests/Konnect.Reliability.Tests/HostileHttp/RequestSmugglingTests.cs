using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>
/// Requests framed so that two parsers could disagree on where they end (RFC 9112 section 11.2), each carrying a
/// smuggled "GET /echo/smuggled/CASE/" after its body, then a clean second request on the same connection: the
/// client gets a clean answer (Kestrel's 400, or its own request's answer), and the upstream never parses a request
/// the client did not cleanly send. Through each forwarder.
/// </summary>
[Collection(HostileHttpCollection.Name)]
public sealed class RequestSmugglingTests(HostileHttpRig rig, ITestOutputHelper output)
{
    private static readonly int Rounds = ReliabilityFigures.Size(1, 10);

    /// <summary>The smuggled request every case carries after what it claims is its end.</summary>
    private static string Smuggle(string name) => $"GET {Smuggled(name)} HTTP/1.1\r\nHost: smuggled.test\r\n\r\n";

    private static string Smuggled(string name) => $"/echo/smuggled/{name}/";

    /// <summary>Each case: the bytes of the first request (the smuggled one included).</summary>
    public static readonly IReadOnlyDictionary<string, string> Attacks = new Dictionary<string, string>
    {
        ["cl-te"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Smuggle("cl-te"),
        ["te-cl"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n" + Smuggle("te-cl"),
        ["cl-cl-same"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello" + Smuggle("cl-cl-same"),
        ["cl-cl-conflict"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 49\r\n\r\nhello" + Smuggle("cl-cl-conflict"),
        ["cl-list"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 49\r\n\r\nhello" + Smuggle("cl-list"),
        ["cl-plus"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello" + Smuggle("cl-plus"),
        ["te-not-final"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + Smuggle("te-not-final"),
        ["te-xchunked"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + Smuggle("te-xchunked"),
        ["te-space-before-colon"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + Smuggle("te-space-before-colon"),
        ["te-twice"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Smuggle("te-twice"),
        ["te-http10"] = "POST /echo/first HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Smuggle("te-http10"),
        ["chunk-size-not-hex"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n" + Smuggle("chunk-size-not-hex"),
        ["chunk-size-overflow"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n" + Smuggle("chunk-size-overflow"),
        ["chunk-size-negative"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n" + Smuggle("chunk-size-negative"),
        ["chunk-size-bare-lf"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n" + Smuggle("chunk-size-bare-lf"),
        ["chunk-extension-bare-lf"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\nhello\r\n0\r\n\r\n" + Smuggle("chunk-extension-bare-lf"),
        ["chunk-data-longer"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n" + Smuggle("chunk-data-longer"),
        ["obs-fold"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\nContent-Length: 5\r\n\r\nhello" + Smuggle("obs-fold"),
        ["obs-fold-te"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-Folded: a\r\n Transfer-Encoding: chunked\r\n\r\nhello" + Smuggle("obs-fold-te"),
        ["bare-lf-head"] = "POST /echo/first HTTP/1.1\nHost: h\nContent-Length: 5\n\nhello" + Smuggle("bare-lf-head"),
        ["bare-cr-value"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nX-A: a\rTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello" + Smuggle("bare-cr-value"),
        ["nul-value"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\nContent-Length: 5\r\n\r\nhello" + Smuggle("nul-value"),
        ["space-in-name"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nContent Length: 60\r\nContent-Length: 5\r\n\r\nhello" + Smuggle("space-in-name"),
        ["two-hosts"] = "POST /echo/first HTTP/1.1\r\nHost: h\r\nHost: other\r\nContent-Length: 5\r\n\r\nhello" + Smuggle("two-hosts"),
    };

    /// <summary>
    /// Kestrel reads "Content-Length: +5" as 5, where RFC 9110 (8.6) asks for digits only and a 400, and keeps no trace of
    /// the sign for the gateway to check. The gateway and its upstream agree (the request goes on with
    /// "Content-Length: 5", and what follows the body is a request of its own), so nothing is smuggled past Konnect; a
    /// proxy in front of it that read the field otherwise could still disagree. Recorded as missed.
    /// </summary>
    private static readonly HashSet<string> ReadAsPipelined = ["cl-plus"];

    public static TheoryData<string, int> Cases() => HostileHttpRig.WithEachGateway(Attacks.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AmbiguousRequest_ThenACleanOne_NothingSmuggledUpstream(string name, int gatewayIndex)
    {
        var gateway = rig.Gateways[gatewayIndex];
        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 0; round < Rounds; round++)
        {
            var first = $"/echo/first/{name}/{gatewayIndex}/{round}/";
            await using var client = await gateway.ConnectAsync();
            await client.SendAsync(Attacks[name].Replace("/echo/first", first, StringComparison.Ordinal));
            var answer = await client.ReadResponseAsync(TimeSpan.FromSeconds(20));
            // A refused request closes the connection; an accepted ambiguous one must too (RFC 9112 6.1), or at least
            // never run what follows it as a request.
            var closed = answer is null || client.Closed || await client.ClosedWithinAsync(TimeSpan.FromMilliseconds(300));
            string? second = null;
            if (!closed)
            {
                var next = $"/echo/second/{name}/{gatewayIndex}/{round}/";
                if (await client.TrySendAsync($"GET {next} HTTP/1.1\r\nHost: h\r\n\r\n"))
                {
                    var reply = await client.ReadResponseAsync(TimeSpan.FromSeconds(20));
                    second = reply is null ? "closed" : reply.Text == RecordingUpstream.AnswerTo("GET", next) ? "own answer" : $"{reply.Status} {reply.Text}";
                    // Whatever came back first must be the answer to what the client sent next, not to the smuggled request
                    // (unless Kestrel read that as a request of the client's own, see ReadAsPipelined).
                    var pipelined = ReadAsPipelined.Contains(name) && reply?.Text == RecordingUpstream.AnswerTo("GET", Smuggled(name));
                    Assert.True(reply is null || pipelined || reply.Text == RecordingUpstream.AnswerTo("GET", next) || reply.Status == 400,
                        $"{gateway.Name}, {name}: the second request got {reply?.Status} {reply?.Text}");
                }
            }
            var outcome = answer is null ? "closed without an answer"
                : $"{answer.Status}{(closed ? " + close" : second is null ? "" : $", next request: {second}")}";
            outcomes.Add(outcome);

            Assert.True(answer is null || answer.Status == 400 || answer.Status == 200 && answer.Text.StartsWith($"answer to POST {first}", StringComparison.Ordinal),
                $"{gateway.Name}, {name}: answered {outcome}: {answer?.Text}");
            if (ReadAsPipelined.Contains(name))
            {
                // Read as Kestrel reads it: a 5-byte body, then the next request, which the upstream gets on its own.
                Assert.Equal(5, Assert.Single(rig.Seen(first)).BodyLength);
                Assert.All(rig.Seen(Smuggled(name)), r => Assert.Equal(0, r.BodyLength));
                continue;
            }
            Assert.Empty(rig.Seen(Smuggled(name)));
            // An upstream that parsed the first request got exactly what the client framed: never a body with the
            // smuggled request in it.
            Assert.All(rig.Seen(first), r => Assert.True(r.BodyLength <= 5, $"{gateway.Name}, {name}: the upstream read a {r.BodyLength}-byte body"));
        }
        await rig.AssertHealthyAsync(gateway, name);
        ReliabilityFigures.Record(output, "hostile HTTP", $"request {name} ({gateway.Name})", ReadAsPipelined.Contains(name)
            ? $"{string.Join(" | ", outcomes.Order(StringComparer.Ordinal))}; Kestrel reads the field leniently, gateway and upstream agree"
            : $"{string.Join(" | ", outcomes.Order(StringComparer.Ordinal))}; nothing smuggled", ReadAsPipelined.Contains(name) ? "missed" : "met");
    }
}
