using System.Diagnostics;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>
/// Clients that send their head or body too slowly (slowloris), or sit idle between requests, lose their connection
/// on the gateway's client limits (short in the rig), through each forwarder; a slow body never reaches the upstream
/// whole. The six cases run side by side, so the part takes one limit's time, not six.
/// </summary>
[Collection(HostileHttpCollection.Name)]
public sealed class SlowClientTests(HostileHttpRig rig, ITestOutputHelper output)
{
    [Fact]
    public async Task SlowOrIdleClients_ConnectionsClosedOnTheLimits()
    {
        var cases = rig.Gateways.SelectMany(g => new[] { "head", "body", "idle" }.Select(name => (Gateway: g, Name: name))).ToList();

        var results = await Task.WhenAll(cases.Select(c => RunAsync(c.Gateway, c.Name)));

        foreach (var (gateway, name, allowed, closedAfter, said) in results)
        {
            ReliabilityFigures.Record(output, "hostile HTTP", $"slow {name} ({gateway.Name})", closedAfter is { } after
                ? $"closed after {ReliabilityFigures.Format(after.TotalSeconds, "0.0")} s (limit {allowed.TotalSeconds} s), said {said}"
                : "still open", closedAfter is not null ? "met" : "missed");
        }
        foreach (var (gateway, name, allowed, closedAfter, said) in results)
        {
            // Kestrel's 408 when it still can (a slow head, a slow body, from either forwarder), else just the close.
            Assert.True(said is "nothing" || said.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), $"{gateway.Name}: a slow {name} got {said}");
            Assert.True(closedAfter is not null, $"{gateway.Name}: a slow {name} kept its connection past {allowed.TotalSeconds} s and the slack");
            Assert.True(closedAfter >= allowed - TimeSpan.FromSeconds(1), $"{gateway.Name}: a slow {name} was closed after {closedAfter!.Value.TotalSeconds:0.0} s, before the limit");
            if (name == "body") { Assert.DoesNotContain(rig.Seen($"/slow/body/{gateway.Forwarder}/"), r => r.Complete); }
        }
        foreach (var gateway in rig.Gateways) { await rig.AssertHealthyAsync(gateway, "slow-clients"); }
    }

    private static async Task<(KonnectUnderTest Gateway, string Name, TimeSpan Allowed, TimeSpan? ClosedAfter, string Said)> RunAsync(KonnectUnderTest gateway, string name)
    {
        var limits = HostileHttpRig.Limits;
        var target = $"/echo/slow/{name}/{gateway.Forwarder}/";
        var (allowed, start, trickle) = name switch
        {
            // A header section that never ends: one byte every 200 ms.
            "head" => (limits.RequestHeadersTimeout, $"GET {target} HTTP/1.1\r\nHost: h\r\nX-Slow: ", "a"),
            // A body (under the size limit) at 10 bytes every 200 ms, 50 B/s: under the minimum rate once its grace is over.
            "body" => (limits.MinRequestBodyDataRateGrace, $"POST {target} HTTP/1.1\r\nHost: h\r\nContent-Length: 60000\r\n\r\n", "0123456789"),
            // One request, then nothing.
            _ => (limits.KeepAliveTimeout, $"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n", ""),
        };

        await using var client = await gateway.ConnectAsync();
        var clock = Stopwatch.StartNew();
        await client.SendAsync(start);
        if (name == "idle") { Assert.Equal(RecordingUpstream.AnswerTo("GET", target), (await client.ReadResponseAsync(TimeSpan.FromSeconds(10)))?.Text); }
        // Kestrel checks its limits on a one-second heartbeat, and a loaded machine adds more.
        var bound = allowed + TimeSpan.FromSeconds(8);
        while (!client.Closed && clock.Elapsed < bound)
        {
            if (trickle.Length > 0 && !await client.TrySendAsync(trickle)) { break; }
            await client.ClosedWithinAsync(TimeSpan.FromMilliseconds(200));
        }
        var closedAfter = clock.Elapsed;
        var closed = client.Closed || await client.ClosedWithinAsync(TimeSpan.FromSeconds(2));
        var said = client.Unread is { Length: > 12 } unread ? unread[..12] : "nothing";
        return (gateway, name, allowed, closed ? closedAfter : null, said);
    }
}
