using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Konnect.Bench.Scale;

/// <summary>
/// The real `konnect` binary as a child process, with its console log read line by line. The log is asked for a UTC
/// timestamp with microseconds on every line and for the publisher's Debug line, so the harness can split one
/// change's propagation into the gateway's own stages by the gateway's own clock (same machine, same UTC clock).
/// </summary>
public sealed partial class KonnectProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<LogLine> _lines = new();
    private readonly Task _reader;

    private KonnectProcess(Process process, DateTime startedUtc, int traffic, int admin)
    {
        _process = process;
        StartedUtc = startedUtc;
        TrafficPort = traffic;
        AdminPort = admin;
        _reader = Task.Run(ReadLogAsync);
        _ = Task.Run(async () => { while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line) { Console.Error.WriteLine("konnect: " + line); } });
    }

    public DateTime StartedUtc { get; }
    public int TrafficPort { get; }
    public int AdminPort { get; }
    public int Id => _process.Id;

    /// <summary>Starts `konnect run` with <paramref name="source"/> (e.g. --manifests DIR) on two free loopback ports.</summary>
    public static KonnectProcess Start(string binary, params string[] source)
    {
        if (!File.Exists(binary)) { throw new FileNotFoundException($"{binary} not found: build it first (dotnet build src/Konnect -c Release)", binary); }
        var (traffic, admin) = (Konnect.Testing.TestPorts.Free(), Konnect.Testing.TestPorts.Free());
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("run");
        foreach (var arg in source) { info.ArgumentList.Add(arg); }
        foreach (var arg in new[] { "--listen", $"http://127.0.0.1:{traffic}", "--admin-listen", $"http://127.0.0.1:{admin}", "--listen-tls", "none", "--access-log", "off" })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        info.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.ffffff ";
        info.Environment["Logging__LogLevel__Konnect.Gateway.Management.GatewayConfigPublisher"] = "Debug";
        var started = DateTime.UtcNow;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {binary}");
        return new KonnectProcess(process, started, traffic, admin);
    }

    /// <summary>The lines logged at or after <paramref name="sinceUtc"/> whose message contains <paramref name="text"/>.</summary>
    public IEnumerable<LogLine> Lines(DateTime sinceUtc, string text) =>
        _lines.Where(l => l.Utc >= sinceUtc && l.Text.Contains(text, StringComparison.Ordinal));

    /// <summary>
    /// Waits until no reconcile pass has ended for <paramref name="quiet"/>, or for as long as the longest of the last
    /// five passes took if that is longer (a pass under way logs nothing until it ends), at most <paramref name="limit"/>.
    /// So a change is timed alone: in cluster mode every status the gateway writes comes back as a watch event, and a
    /// pass follows it even when the model stays the same (the publisher then logs "is already applied").
    /// </summary>
    /// <returns>When the last pass ended (UTC), or now if the gateway never went quiet within the limit.</returns>
    public async Task<DateTime> WaitQuietAsync(TimeSpan quiet, TimeSpan limit)
    {
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < limit)
        {
            var last = _lines.Where(l => l.Text.Contains("Applied model", StringComparison.Ordinal) || l.Text.Contains(" is already applied", StringComparison.Ordinal))
                .Select(l => l.Utc).DefaultIfEmpty(DateTime.MinValue).Max();
            var recent = _lines.Where(l => l.Text.Contains("rule(s) in", StringComparison.Ordinal)).TakeLast(5)
                .Select(l => PassTook().Match(l.Text)).Where(m => m.Success)
                .Select(m => TimeSpan.FromMilliseconds(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
                .DefaultIfEmpty(TimeSpan.Zero).Max();
            if (DateTime.UtcNow - last >= (recent > quiet ? recent : quiet)) { return last; }
            await Task.Delay(quiet / 4).ConfigureAwait(false);
        }
        return DateTime.UtcNow;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> has been logged (since <paramref name="sinceUtc"/>); false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForLineAsync(string text, TimeSpan timeout, DateTime? sinceUtc = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Lines(sinceUtc ?? DateTime.MinValue, text).Any())
        {
            if (DateTime.UtcNow >= deadline || HasExited) { return false; }
            await Task.Delay(20).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>VmRSS from /proc, in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Open sockets (listeners, clients and upstream connections), from the process's file descriptors.</summary>
    public int OpenSockets() => new DirectoryInfo($"/proc/{_process.Id}/fd").EnumerateFileSystemInfos()
        .Count(fd => fd.LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);

    public bool HasExited => _process.HasExited;

    private async Task ReadLogAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            // Only the lines the split needs are kept: at 10,000 routes the status lines alone run to tens of thousands.
            if (!line.Contains("Applied model", StringComparison.Ordinal) && !line.Contains("Loaded ", StringComparison.Ordinal)
                && !line.Contains(" is already applied", StringComparison.Ordinal) && !line.Contains(" became leader", StringComparison.Ordinal)
                && !line.Contains("Heap trimmed", StringComparison.Ordinal)
                && !line.Contains("fail:", StringComparison.Ordinal) && !line.Contains("crit:", StringComparison.Ordinal)) { continue; }
            if (Stamp().Match(line) is { Success: true } m
                && TimeSpan.TryParseExact(m.Groups[1].Value, @"hh\:mm\:ss\.ffffff", CultureInfo.InvariantCulture, out var timeOfDay))
            {
                var now = DateTime.UtcNow;
                var utc = now.Date + timeOfDay;
                if (utc > now.AddHours(1)) { utc = utc.AddDays(-1); } // logged just before midnight, read just after
                _lines.Enqueue(new LogLine(utc, line[m.Length..]));
                if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal)) { Console.Error.WriteLine("konnect: " + line); }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await _process.WaitForExitAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
        _process.Dispose();
    }

    [GeneratedRegex(@"rule\(s\) in ([\d.]+) ms")]
    private static partial Regex PassTook();

    [GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d{6}) ")]
    private static partial Regex Stamp();
}

/// <summary>One console log line of the gateway and the UTC time it was logged.</summary>
public sealed record LogLine(DateTime Utc, string Text);
