using System.Diagnostics;

namespace Konnect.Bench.Ai;

/// <summary>
/// Puts the bench, the stand-ins and Konnect on one core, as run.sh's low-load part does (taskset -a -p on every thread,
/// after start). Unpinned, one call at a time leaves the cores idle between hops, and a lone call's tail is how long an
/// idle virtual CPU takes to wake: the through path crosses two more processes than the direct one, so it collects
/// more of those wake-ups and its p99 says more about the host than about Konnect. On one core the hops run as a
/// sequence: p50 is the work each does and p99 the tail of that work (collections, timers, background compilation).
/// </summary>
internal static class Pinning
{
    /// <summary>The last core this process may run on, or null when pinning is off, impossible or pointless.</summary>
    public static int? MeasuringCore(bool wanted)
    {
        if (!wanted || Which("taskset") is null) { return null; }
        var allowed = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        if (allowed is null) { return null; }
        var cores = allowed["Cpus_allowed_list:".Length..].Trim().Split(',').SelectMany(range =>
        {
            var parts = range.Split('-');
            var first = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            var last = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : first;
            return Enumerable.Range(first, last - first + 1);
        }).ToList();
        // With one core everything shares it anyway.
        return cores.Count > 1 ? cores[^1] : null;
    }

    /// <summary>Pins every thread of <paramref name="pid"/> to <paramref name="core"/>; threads started later inherit it.</summary>
    public static async Task PinAsync(int pid, int core)
    {
        var info = new ProcessStartInfo("taskset") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-a", "-p", "-c", core.ToString(System.Globalization.CultureInfo.InvariantCulture), pid.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }
        using var taskset = Process.Start(info) ?? throw new InvalidOperationException("could not start taskset");
        var error = await taskset.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await taskset.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await taskset.WaitForExitAsync().ConfigureAwait(false);
        if (taskset.ExitCode != 0) { throw new InvalidOperationException($"could not pin process {pid} to core {core}: {error.Trim()}"); }
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
}
