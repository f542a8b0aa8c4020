using System.Diagnostics;
using System.Net;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>What one change was and how long it took to be served (null: not within the deadline).</summary>
public sealed record ChangeTiming(string Kind, string Route, TimeSpan At, double? Milliseconds);

/// <summary>
/// Routes added, changed and deleted on a fixed beat, each in its own file of the served folder, round a set of slots:
/// a slot's route is added, changed twice (its rewrite names a new generation each time), then deleted. After each
/// write a probe asks for the route every millisecond until the answer shows the change (the new generation's path
/// from the upstream, or 404 once deleted) and records the time from the write to that answer. Probes run beside the
/// beat, so a slow change never delays the next one; a slot is only touched again once its last change was seen.
/// </summary>
public sealed class RouteChurn : IDisposable
{
    private readonly RouteFolder _folder;
    private readonly Uri _gateway;
    private readonly EchoUpstream _upstream;
    private readonly Slot[] _slots;
    private readonly HttpClient _probe = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<ChangeTiming> _changes = [];
    private long _probeErrors;

    public RouteChurn(RouteFolder folder, Uri gateway, EchoUpstream upstream, int slots)
    {
        _folder = folder;
        _gateway = gateway;
        _upstream = upstream;
        _slots = [.. Enumerable.Range(0, slots).Select(i => new Slot(i))];
    }

    /// <summary>How long a probe waits for its change before recording it as not served.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<ChangeTiming> Changes { get { lock (_changes) { return [.. _changes]; } } }

    /// <summary>Probe requests that failed outright (refused, reset): they are retried until the deadline.</summary>
    public long ProbeErrors => Interlocked.Read(ref _probeErrors);

    /// <summary>The paths the churn touches, which load must stay off: "/churn/".</summary>
    public const string Prefix = "/churn/";

    /// <summary>
    /// Makes one change every <paramref name="beat"/> for <paramref name="duration"/> (or until <paramref name="limit"/>
    /// changes), then waits for every probe. With one slot and no beat, each change is made once the last was served:
    /// reloads one after another, each of them real.
    /// </summary>
    public async Task RunAsync(TimeSpan duration, TimeSpan beat, int limit = int.MaxValue, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        for (var tick = 0; tick < limit && Stopwatch.GetElapsedTime(started) < duration && !cancellationToken.IsCancellationRequested; tick++)
        {
            var due = beat * tick - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero) { await Task.Delay(due, cancellationToken); }
            var slot = _slots[tick % _slots.Length];
            await slot.Probe; // seen (or given up on) before it changes again
            slot.Probe = ChangeAsync(slot, Stopwatch.GetElapsedTime(started));
        }
        await Task.WhenAll(_slots.Select(s => s.Probe));
    }

    private Task ChangeAsync(Slot slot, TimeSpan at)
    {
        var file = $"churn-{slot.Index}.yaml";
        var name = $"churn-{slot.Index}";
        var prefix = $"{Prefix}{slot.Index}";
        if (slot.Present && slot.Changes == 2)
        {
            slot.Present = false;
            var deleted = _folder.Delete(file);
            return ProbeAsync("delete", name, at, deleted, prefix + "/p", (status, _) => status == HttpStatusCode.NotFound);
        }

        var kind = slot.Present ? "change" : "add";
        slot.Changes = slot.Present ? slot.Changes + 1 : 0;
        slot.Present = true;
        slot.Generation++;
        var rewrite = $"/c{slot.Index}-g{slot.Generation}";
        var written = _folder.Write(file, RouteFolder.Route(name, prefix, _upstream.Url, rewrite));
        var expected = _upstream.BodyFragment(rewrite + "/p");
        return ProbeAsync(kind, name, at, written, prefix + "/p", (status, body) => status == HttpStatusCode.OK && body.Contains(expected, StringComparison.Ordinal));
    }

    private async Task ProbeAsync(string kind, string route, TimeSpan at, long written, string path, Func<HttpStatusCode, string, bool> shows)
    {
        await Task.Yield(); // the beat goes on while this polls
        var uri = new Uri(_gateway, path);
        double? took = null;
        while (Stopwatch.GetElapsedTime(written) < Deadline)
        {
            try
            {
                using var response = await _probe.GetAsync(uri);
                var body = await response.Content.ReadAsStringAsync();
                if (shows(response.StatusCode, body))
                {
                    took = Stopwatch.GetElapsedTime(written).TotalMilliseconds;
                    break;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                Interlocked.Increment(ref _probeErrors);
            }
            await Task.Delay(1);
        }
        lock (_changes) { _changes.Add(new ChangeTiming(kind, route, at, took)); }
    }

    public void Dispose() => _probe.Dispose();

    private sealed class Slot(int index)
    {
        public int Index { get; } = index;
        public bool Present { get; set; }
        public int Changes { get; set; }
        public int Generation { get; set; }
        public Task Probe { get; set; } = Task.CompletedTask;
    }
}
