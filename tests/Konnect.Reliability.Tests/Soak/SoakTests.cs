using System.Diagnostics;
using System.Globalization;
using Konnect.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.Soak;

/// <summary>
/// Issue #22, part 6: load with route churn for 20 s (30 minutes under `make reliability`; SOAK_MINUTES overrides the
/// full length), sampling the `konnect` process's resident memory, open file descriptors and threads from /proc. No
/// request may fail and every change must be served. After the warm-up, the least-squares slope of each is reported
/// per hour; the full run calls memory and handles flat when the RSS slope is under <see cref="FlatMiBPerHour"/> and
/// the file descriptors do not grow.
/// </summary>
[Collection(nameof(KonnectUnderLoadCollection))]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const string Part = "soak";
    private const int Routes = 1000;
    private const int LoadedRoutes = 64;
    private const int Connections = 16;
    // Why 5 MiB an hour: the churn makes 36,000 changes an hour, so a leak of 150 bytes a change (a closure, a
    // subscription, a cached matcher per route ever seen) shows above it; the gateway's working set at 1,000 routes
    // is about 100 MiB, so 5 MiB/h is 5 % an hour, what would take a pod to its limit within a day or two rather than
    // weeks. Over a 25-minute window of samples every 5 s, the GC's sawtooth moves the fitted slope by much less.
    private const double FlatMiBPerHour = 5;
    // Descriptors: listeners, the 16 client connections, the upstream pool, the churn's probes; these may move by a
    // few from one sample to the next, so growth means the last samples' highest above the first samples' highest.
    private const int FdGrowthAllowed = 4;

    private static readonly TimeSpan Length = ReliabilityFigures.Size(TimeSpan.FromSeconds(20), FullLength());
    private static readonly TimeSpan Every = ReliabilityFigures.Size(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
    // Before the warm-up ends the JIT, the first garbage collections and the pools grow the process; its slope is not a leak's.
    private static readonly TimeSpan WarmUp = ReliabilityFigures.Size(TimeSpan.FromSeconds(5), TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, FullLength().Ticks / 6)));

    private static TimeSpan FullLength() =>
        double.TryParse(Environment.GetEnvironmentVariable("SOAK_MINUTES"), NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0
            ? TimeSpan.FromMinutes(minutes)
            : TimeSpan.FromMinutes(30);

    [Fact]
    public async Task Gateway_LoadWithRouteChurn_NoErrors_MemoryAndHandlesSampled()
    {
        var loadAtStart = MachineLoad.Now();
        await using var gateway = await LoadedGateway.StartAsync(Routes, LoadedRoutes);
        await using var load = new ClosedLoopLoad(gateway.Konnect.TrafficUri, gateway.Targets, Connections);
        using var churn = new RouteChurn(gateway.Folder, gateway.Konnect.TrafficUri, gateway.Echo, slots: 32);

        var started = Stopwatch.GetTimestamp();
        load.Start();
        var churning = churn.RunAsync(Length, TimeSpan.FromMilliseconds(100));
        var samples = new List<ProcessSample>();
        while (!churning.IsCompleted && !gateway.Konnect.HasExited)
        {
            samples.Add(ProcessSample.Of(gateway.Konnect.Id, Stopwatch.GetElapsedTime(started)));
            await Task.WhenAny(churning, Task.Delay(Every));
        }
        await churning;
        await load.StopAsync();
        Assert.False(gateway.Konnect.HasExited, gateway.Konnect.Output);
        samples.Add(ProcessSample.Of(gateway.Konnect.Id, Stopwatch.GetElapsedTime(started)));

        var settled = samples.Where(s => s.At >= WarmUp).ToArray();
        var hours = (double x) => x / 3600;
        var rssSlope = Stats.Slope([.. settled.Select(s => (hours(s.At.TotalSeconds), s.ResidentMiB))]);
        var fdSlope = Stats.Slope([.. settled.Select(s => (hours(s.At.TotalSeconds), (double)s.FileDescriptors))]);
        var threadSlope = Stats.Slope([.. settled.Select(s => (hours(s.At.TotalSeconds), (double)s.Threads))]);
        var quarter = Math.Max(1, settled.Length / 4);
        var fdGrowth = settled.TakeLast(quarter).Max(s => s.FileDescriptors) - settled.Take(quarter).Max(s => s.FileDescriptors);
        var (first, last) = (settled[0], settled[^1]);
        var changes = churn.Changes;
        var notServed = changes.Count(c => c.Milliseconds is null);
        var flat = rssSlope < FlatMiBPerHour && fdGrowth <= FdGrowthAllowed;

        ReliabilityFigures.Record(output, Part, "machine load average at start/end", $"{ReliabilityFigures.Format(loadAtStart, "0.0")}/{ReliabilityFigures.Format(MachineLoad.Now(), "0.0")}");
        ReliabilityFigures.Record(output, Part, "length / warm-up / samples",
            $"{ReliabilityFigures.Format(Length.TotalMinutes, "0.##")} min / {ReliabilityFigures.Format(WarmUp.TotalSeconds, "0")} s / {samples.Count} every {ReliabilityFigures.Format(Every.TotalSeconds, "0")} s");
        ReliabilityFigures.Record(output, Part, "requests served / failed", $"{load.Served}/{load.Failed}", load.Failed == 0 ? "met" : "missed");
        ReliabilityFigures.Record(output, Part, "changes made / not served", $"{changes.Count}/{notServed}", notServed == 0 ? "met" : "missed");
        ReliabilityFigures.Record(output, Part, "RSS start/end/max MiB (after warm-up)",
            $"{ReliabilityFigures.Format(first.ResidentMiB, "0.0")}/{ReliabilityFigures.Format(last.ResidentMiB, "0.0")}/{ReliabilityFigures.Format(settled.Max(s => s.ResidentMiB), "0.0")}");
        ReliabilityFigures.Record(output, Part, "RSS slope MiB/h", ReliabilityFigures.Format(rssSlope, "0.0"),
            ReliabilityFigures.Full ? (rssSlope < FlatMiBPerHour ? "flat" : "growing") : "");
        ReliabilityFigures.Record(output, Part, "fds start/end (slope /h)", $"{first.FileDescriptors}/{last.FileDescriptors} ({ReliabilityFigures.Format(fdSlope, "0.0")})",
            ReliabilityFigures.Full ? (fdGrowth <= FdGrowthAllowed ? "flat" : "growing") : "");
        ReliabilityFigures.Record(output, Part, "threads start/end (slope /h)", $"{first.Threads}/{last.Threads} ({ReliabilityFigures.Format(threadSlope, "0.0")})");

        Assert.True(load.Failed == 0, $"{load.Failed} of {load.Served + load.Failed} requests failed: {string.Join("\n", load.FailureSamples)}");
        Assert.True(notServed == 0, $"{notServed} of {changes.Count} changes not served within 10 s");
        Assert.True(load.Served > 0, "the load sent nothing");
        if (ReliabilityFigures.Full)
        {
            Assert.True(flat, $"not flat: RSS {rssSlope:0.0} MiB/h (flat below {FlatMiBPerHour}), descriptors grew by {fdGrowth} (at most {FdGrowthAllowed})");
        }
    }
}
