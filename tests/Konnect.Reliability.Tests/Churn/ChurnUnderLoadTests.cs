using Konnect.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.Churn;

/// <summary>
/// Issue #22, part 1: routes added, changed and deleted every 100 ms for 10 s (62 s under `make reliability`) among
/// 1,000 routes served by the real `konnect` in folder mode, while a closed loop of 16 keep-alive connections loads
/// other routes. No request on the untouched routes may fail (a non-200, a connection error or a body from the wrong
/// route), no client connection may be closed, and every change must be served; how long each took, from the write to
/// the first answer showing it, is held against docs/performance.md's route-change target (p99 ≤ 50 ms at 1,000
/// routes, folder mode with its 10 ms debounce).
/// </summary>
[Collection(nameof(KonnectUnderLoadCollection))]
public sealed class ChurnUnderLoadTests(ITestOutputHelper output)
{
    private const string Part = "churn";
    private const int Routes = 1000;
    private const int LoadedRoutes = 64;
    private const int Connections = 16;
    private const int Slots = 32;
    private const double TargetP99Ms = 50;
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(100);
    // Timed after the warm-up: 10 s of churn in all in `make test`, 62 s under `make reliability`.
    private static readonly TimeSpan Length = ReliabilityFigures.Size(TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(60));
    // The first changes after start-up pay for the JIT (make bench times its own warm-up apart for the same reason):
    // they must be served like the others but are left out of the timing.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);
    // What is asserted, on a shared 2-core machine (load average 15-40 while these ran) where a change waits for a core
    // as long as any request does: far above the target, below what a real regression costs (a change waiting for the
    // folder's 2 s walk or its 1 s empty-file grace puts the median near a second). The figure itself is reported with
    // its verdict against the 50 ms target.
    private const double AssertedP50Ms = 500;
    private const double AssertedP99Ms = 2000;

    [Fact]
    public async Task Routes_ChurnedEvery100msUnderLoad_UntouchedRoutesNeverFail_EveryChangeServed()
    {
        var loadAtStart = MachineLoad.Now();
        await using var gateway = await LoadedGateway.StartAsync(Routes, LoadedRoutes);
        await using var load = new ClosedLoopLoad(gateway.Konnect.TrafficUri, gateway.Targets, Connections);
        using var churn = new RouteChurn(gateway.Folder, gateway.Konnect.TrafficUri, gateway.Echo, Slots);

        load.Start();
        await churn.RunAsync(WarmUp + Length, Beat);
        await load.StopAsync();

        var changes = churn.Changes;
        var timed = changes.Where(c => c.At >= WarmUp && c.Milliseconds is not null).Select(c => c.Milliseconds!.Value).ToArray();
        var notServed = changes.Where(c => c.Milliseconds is null).ToArray();
        var (p50, p99, max) = (Stats.Percentile(timed, 0.5), Stats.Percentile(timed, 0.99), timed.DefaultIfEmpty().Max());
        var seconds = load.Elapsed.TotalSeconds;

        ReliabilityFigures.Record(output, Part, "machine load average at start/end", $"{ReliabilityFigures.Format(loadAtStart, "0.0")}/{ReliabilityFigures.Format(MachineLoad.Now(), "0.0")}");
        ReliabilityFigures.Record(output, Part, "routes: steady / under load / churned slots", $"{Routes}/{LoadedRoutes}/{Slots}");
        ReliabilityFigures.Record(output, Part, "load", $"{Connections} keep-alive connections for {ReliabilityFigures.Format(seconds, "0.0")} s, a change every {Beat.TotalMilliseconds} ms");
        ReliabilityFigures.Record(output, Part, "requests served", $"{load.Served} ({ReliabilityFigures.Format(load.Served / seconds, "0")}/s)");
        ReliabilityFigures.Record(output, Part, "requests failed", $"{load.Failed}", load.Failed == 0 ? "met" : "missed");
        ReliabilityFigures.Record(output, Part, "client connections opened", $"{load.Connects} for {Connections}", load.Connects == Connections ? "met" : "missed");
        ReliabilityFigures.Record(output, Part, "changes made (add/change/delete)",
            $"{changes.Count} ({changes.Count(c => c.Kind == "add")}/{changes.Count(c => c.Kind == "change")}/{changes.Count(c => c.Kind == "delete")})");
        ReliabilityFigures.Record(output, Part, "probe requests to churned routes that failed outright", $"{churn.ProbeErrors}");
        ReliabilityFigures.Record(output, Part, "changes not served within 10 s", $"{notServed.Length}", notServed.Length == 0 ? "met" : "missed");
        ReliabilityFigures.Record(output, Part, "change propagation p50/p99/max ms",
            $"{ReliabilityFigures.Format(p50, "0.0")}/{ReliabilityFigures.Format(p99, "0.0")}/{ReliabilityFigures.Format(max, "0.0")} ({timed.Length} changes after a {WarmUp.TotalSeconds} s warm-up)",
            p99 <= TargetP99Ms ? "met" : "missed");

        Assert.True(load.Failed == 0, $"{load.Failed} of {load.Served + load.Failed} requests on untouched routes failed: {string.Join("\n", load.FailureSamples)}");
        Assert.True(load.Connects == Connections, $"{load.Connects} client connections opened for {Connections}: a reload closed some");
        Assert.True(notServed.Length == 0, $"not served within 10 s: {string.Join(", ", notServed.Take(10))}");
        Assert.True(load.Served > 0, "the load sent nothing");
        Assert.True(p50 <= AssertedP50Ms, $"change propagation p50 {p50:0.0} ms > {AssertedP50Ms} ms");
        Assert.True(p99 <= AssertedP99Ms, $"change propagation p99 {p99:0.0} ms > {AssertedP99Ms} ms");
        Assert.False(gateway.Konnect.HasExited, gateway.Konnect.Output);
    }
}
