namespace Konnect.Bench.Scale;

/// <summary>
/// One row: N routes from one source, served by a fresh `konnect` process. Times start-up, then
/// <see cref="ScaleSettings.Warmup"/> warm-up changes of each kind, <see cref="ScaleSettings.Changes"/> route changes and as many endpoint changes (one at a time, each waited out),
/// then sends one request to every route and reads the memory.
/// </summary>
public sealed class ScaleRun(ScaleSettings settings, Upstream a, Upstream b)
{
    public async Task<RunResult> RunAsync(IScaleSource source, int routes, bool changes = true, bool httpRoutes = false)
    {
        var set = new RouteSet(routes, Math.Min(settings.RoutesPerHost, routes), a.Port, b.Port, httpRoutes);
        Console.Error.WriteLine($"scale: {source.Name}, {routes} routes over {set.Hosts} hosts: writing...");
        await source.LoadAsync(set).ConfigureAwait(false);

        await using var konnect = KonnectProcess.Start(settings.Binary, [.. source.KonnectArguments]);
        using var prober = new Prober(konnect);
        var ready = await prober.ReadyAsync(TimeSpan.FromMinutes(3)).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"konnect ({source.Name}, {routes} routes) never answered /readyz 200");
        var served = await prober.PollUntilAsync(set.ProbeFor(0), set.Expected(0), TimeSpan.FromMinutes(1)).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"konnect ({source.Name}, {routes} routes): route {RouteSet.Name(0)} never answered \"{set.Expected(0)}\"");
        // Changes are timed once start-up work is over. In cluster mode that includes the first status write of every
        // object: it starts when the gateway wins the Lease, and each write comes back as a watch event that brings
        // another pass, which at 10,000 routes goes on well after the first 200.
        if (source.WritesStatus && !await konnect.WaitForLineAsync(" became leader", TimeSpan.FromSeconds(30)).ConfigureAwait(false))
        {
            Console.Error.WriteLine("scale: the gateway did not log that it became leader within 30 s; timing changes anyway");
        }
        var quiet = await konnect.WaitQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(3)).ConfigureAwait(false);
        var startup = new Startup((ready - konnect.StartedUtc).TotalMilliseconds, (served - konnect.StartedUtc).TotalMilliseconds,
            (quiet - konnect.StartedUtc).TotalMilliseconds);
        Console.Error.WriteLine($"scale: ready in {startup.ReadyMs:F0} ms, first proxied 200 in {startup.FirstProxiedMs:F0} ms, last start-up pass at {startup.SettledMs:F0} ms");
        if (!changes) { return new RunResult(source.Name, routes, set.Hosts, startup, [], [], [], null, null, null, 0); }

        // In cluster mode each change's status write comes back as a watch event and a full pass follows it (a pass
        // that changes nothing logs no duration), so the quiet wait before the next change grows with the route count.
        var quietMs = settings.QuietMs ?? (source.WritesStatus ? 300 + routes / 5 : 300);
        var measure = new ChangeMeasure(konnect, prober, settings.ChangeTimeout, TimeSpan.FromMilliseconds(quietMs));
        // Warm-up first, as the throughput part does: the first changes after start-up also pay for JIT (a burst of
        // tier-1 recompiles lands around the ninth change, ~100 ms on 2 cores). They are timed and reported apart.
        var warmup = new List<ChangeSample>();
        for (var i = 0; i < settings.Warmup; i++)
        {
            var route = Pick(routes, i, 2);
            set.SetRewrite(route, 1_000 + i);
            warmup.Add(await measure.TimeAsync(set.ProbeFor(route), set.Expected(route), () => source.WriteRouteAsync(set, route)).ConfigureAwait(false));
            route = Pick(routes, i, 3);
            set.FlipEndpoints(route);
            warmup.Add(await measure.TimeAsync(set.ProbeFor(route), set.Expected(route), () => source.WriteSliceAsync(set, route)).ConfigureAwait(false));
        }
        if (warmup.Count > 0) { Console.Error.WriteLine($"scale: warm-up changes (route and endpoint) {Summary(warmup)}"); }
        var routeChanges = new List<ChangeSample>();
        for (var i = 0; i < settings.Changes; i++)
        {
            var route = Pick(routes, i, 0);
            set.SetRewrite(route, i + 1);
            routeChanges.Add(await measure.TimeAsync(set.ProbeFor(route), set.Expected(route), () => source.WriteRouteAsync(set, route)).ConfigureAwait(false));
        }
        Console.Error.WriteLine($"scale: route changes {Summary(routeChanges)}");
        var endpointChanges = new List<ChangeSample>();
        for (var i = 0; i < settings.Changes; i++)
        {
            var route = Pick(routes, i, 1);
            set.FlipEndpoints(route);
            endpointChanges.Add(await measure.TimeAsync(set.ProbeFor(route), set.Expected(route), () => source.WriteSliceAsync(set, route)).ConfigureAwait(false));
        }
        Console.Error.WriteLine($"scale: endpoint changes {Summary(endpointChanges)}");

        // Memory three times: right after the last change; at rest, once the gateway has compacted its heap after the
        // burst of changes (--heap-trim: 5 s after the last pass, or later if the last trim is younger than 30 s, so a
        // reading without a trim is said as such); and after one request to every route, when the
        // forwarder keeps an idle keep-alive connection to each destination it used (one per route here) until its
        // idle timeout.
        var lastChange = DateTime.UtcNow;
        var afterChanges = new Memory(konnect.ResidentBytes(), await prober.ManagedHeapBytesAsync().ConfigureAwait(false), konnect.OpenSockets());
        if (!await konnect.WaitForLineAsync("Heap trimmed", TimeSpan.FromSeconds(12), lastChange).ConfigureAwait(false))
        {
            Console.Error.WriteLine("scale: no heap trim within 12 s of the last change (it waits for the resident set to grow by 16 MiB)");
        }
        foreach (var trim in konnect.Lines(DateTime.MinValue, "Heap trimmed")) { Console.Error.WriteLine($"scale: konnect: {trim.Text.Trim()}"); }
        var loaded = new Memory(konnect.ResidentBytes(), await prober.ManagedHeapBytesAsync().ConfigureAwait(false), konnect.OpenSockets());
        var wrong = await TrafficAsync(set, prober).ConfigureAwait(false);
        var afterTraffic = new Memory(konnect.ResidentBytes(), await prober.ManagedHeapBytesAsync().ConfigureAwait(false), konnect.OpenSockets());
        Console.Error.WriteLine($"scale: right after the changes: {afterChanges}; at rest: {loaded}; after one request to each route ({wrong} wrong answers): {afterTraffic}");
        if (int.TryParse(Environment.GetEnvironmentVariable("IDLE_WAIT_MS"), out var idleWait) && idleWait > 0)
        {
            // Past the gateway's upstream idle timeout the pooled connections are closed: what they cost shows here.
            await Task.Delay(idleWait).ConfigureAwait(false);
            var idle = new Memory(konnect.ResidentBytes(), await prober.ManagedHeapBytesAsync().ConfigureAwait(false), konnect.OpenSockets());
            Console.Error.WriteLine($"scale: {idleWait} ms after the traffic: {idle}");
        }
        return new RunResult(source.Name, routes, set.Hosts, startup, warmup, routeChanges, endpointChanges, afterChanges, loaded, afterTraffic, wrong);
    }

    // Changes walk over the whole set (a different host each time), route changes and endpoint changes apart.
    private static int Pick(int routes, int change, int kind) => (int)((routes / 2 + kind * 7 + change * 7919L) % routes);

    /// <summary>One request to every route, 16 at a time; returns how many did not answer what the route should.</summary>
    private static async Task<int> TrafficAsync(RouteSet set, Prober prober)
    {
        var wrong = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, set.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (route, _) =>
        {
            if (await prober.GetAsync(set.ProbeFor(route)).ConfigureAwait(false) != set.Expected(route)) { Interlocked.Increment(ref wrong); }
        }).ConfigureAwait(false);
        return wrong;
    }

    private static string Summary(List<ChangeSample> samples) =>
        $"p50 {Stats.Format(Stats.Percentile(samples, 50))} ms, p99 {Stats.Format(Stats.Percentile(samples, 99))} ms ({samples.Count(s => s.EndToEndMs is null)} lost)";
}

/// <summary>Process start to /readyz 200, to the first proxied 200 and to the end of the last reconcile pass before quiet, in ms.</summary>
public sealed record Startup(double ReadyMs, double FirstProxiedMs, double SettledMs);

/// <summary>Everything one row measured.</summary>
public sealed record RunResult(string Source, int Routes, int Hosts, Startup Startup, IReadOnlyList<ChangeSample> Warmup, IReadOnlyList<ChangeSample> RouteChanges,
    IReadOnlyList<ChangeSample> EndpointChanges, Memory? AfterChanges, Memory? Loaded, Memory? AfterTraffic, int WrongAnswers);

/// <summary>VmRSS, the managed heap gauge and the process's open sockets at one moment.</summary>
public sealed record Memory(long ResidentBytes, long? ManagedHeapBytes, int Sockets)
{
    public override string ToString() => $"RSS {ResidentBytes / 1048576.0:F0} MiB, managed heap {ManagedHeapBytes / 1048576.0:F0} MiB, {Sockets} open sockets";
}
