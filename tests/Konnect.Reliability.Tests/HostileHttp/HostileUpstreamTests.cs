using System.Diagnostics;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>
/// Upstreams that break HTTP/1.1 (conflicting framing, oversized heads, early closes, floods of interim answers),
/// through each forwarder: the client gets a clean 502/504 problem or a clean truncation (the connection closed
/// inside the body), never bytes of another answer; the next requests, on the same client connection and on the
/// gateway's upstream connections, get their own answers; the gateway stays healthy.
/// </summary>
[Collection(HostileHttpCollection.Name)]
public sealed class HostileUpstreamTests(HostileHttpRig rig, ITestOutputHelper output)
{
    /// <summary>Each case at full size under `make reliability`; once in `make test`.</summary>
    private static readonly int Rounds = ReliabilityFigures.Size(1, 10);

    public static TheoryData<string, int> Cases() => HostileHttpRig.WithEachGateway(HostileAnswers.Cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileUpstream_Answer_ClientGetsCleanErrorOrTruncation_NextRequestsGetTheirOwnAnswers(string name, int gatewayIndex)
    {
        var gateway = rig.Gateways[gatewayIndex];
        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        var slowest = TimeSpan.Zero;
        for (var round = 0; round < Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            await using var client = await gateway.ConnectAsync();
            await client.SendAsync($"GET /hostile/{name}?round={round} HTTP/1.1\r\nHost: hostile.test\r\n\r\n");
            var answer = await client.ReadResponseAsync(HostileHttpRig.HostileTimeout + TimeSpan.FromSeconds(20));
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            var closed = answer is null || client.Closed || await client.ClosedWithinAsync(TimeSpan.FromMilliseconds(200));
            var outcome = Describe(answer, closed);
            outcomes.Add(outcome);

            Assert.True(Clean(name, answer, closed), $"{gateway.Name}, {name}: not a clean answer: {outcome}\n{answer?.Head}\n{answer?.Text}");
            if (name.EndsWith("-trickle", StringComparison.Ordinal))
            {
                // Trickling bytes is no answer: the rule's timeout runs from the request, not from the last interim byte.
                Assert.True(answer!.Status == 504 && clock.Elapsed < HostileHttpRig.HostileTimeout + TimeSpan.FromSeconds(6),
                    $"{gateway.Name}, {name}: {outcome} after {clock.Elapsed.TotalSeconds:0.0} s; the rule's timeout is {HostileHttpRig.HostileTimeout.TotalSeconds} s");
            }
            Assert.DoesNotContain("SMUGGLED", (answer?.Text ?? "") + client.Unread, StringComparison.Ordinal);

            // The same client connection, when the gateway kept it: the next request gets its own answer.
            if (!closed)
            {
                var next = $"/hostile/next-{name}-{round}";
                await client.SendAsync($"GET {next} HTTP/1.1\r\nHost: hostile.test\r\n\r\n");
                var second = await client.ReadResponseAsync(TimeSpan.FromSeconds(20));
                Assert.Equal(RecordingUpstream.AnswerTo("GET", next), second?.Text);
            }
            // New client connections, which take the gateway's pooled upstream connections: their own answers only.
            for (var i = 0; i < 3; i++)
            {
                var fresh = $"/hostile/fresh-{name}-{round}-{i}";
                var (status, body) = await gateway.GetAsync(fresh);
                Assert.Equal(RecordingUpstream.AnswerTo("GET", fresh), body);
            }
        }
        // Every request the hostile upstream read is one a client sent (the broken answers never turned into requests).
        Assert.All(rig.Hostile.Requests, r => Assert.Matches("^GET /hostile/[a-z0-9?=&-]+ HTTP/1.1", r.Head));
        await rig.AssertHealthyAsync(gateway, name);

        ReliabilityFigures.Record(output, "hostile HTTP", $"upstream {name} ({gateway.Name})",
            $"{string.Join(" | ", outcomes.Order(StringComparer.Ordinal))}; slowest {ReliabilityFigures.Format(slowest.TotalSeconds, "0.0")} s; next requests clean", "met");
    }

    private static string Describe(RawResponse? answer, bool closed) => answer switch
    {
        null => "closed without an answer",
        { IsProblem: true } => $"{answer.Status} problem",
        { Complete: false } => $"{answer.Status} truncated{(closed ? ", connection closed" : "")}",
        _ => $"{answer.Status}{(answer.Interim > 0 ? $" after {answer.Interim} interim" : "")}{(closed ? ", connection closed" : "")}",
    };

    /// <summary>What a client may see: the gateway's own 502/504, or the upstream's answer cut off with the connection.</summary>
    private static bool Clean(string name, RawResponse? answer, bool closed)
    {
        if (answer is null) { return false; }
        if (answer.IsProblem) { return answer.Status is 502 or 504; }
        return name switch
        {
            // Cut short by the upstream: the client must be able to tell (fewer bytes than said, and the connection gone).
            "early-close-length" or "early-close-chunked" => !answer.Complete && closed,
            // The interim answers are dropped or passed on; the final one must be this request's.
            "1xx-flood" => answer.Status == 200 && answer.Complete && answer.Text.StartsWith("answer to GET /hostile/1xx-flood", StringComparison.Ordinal),
            // Framing both ways: the chunked body (empty) wins, and the bytes after it never reach anyone.
            "cl-te" or "te-cl" => answer.Status == 200 && answer.Complete && answer.Body.Length == 0,
            // A lenient parser may read these; what it passes on must be this answer's "ok".
            "bare-lf-head" or "obs-fold" => answer.Status == 200 && answer.Complete && answer.Text == "ok",
            _ => false,
        };
    }
}
