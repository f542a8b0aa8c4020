using System.Diagnostics;

namespace Konnect.Testing.Metrics;

/// <summary>
/// Prometheus' own checker, `promtool check metrics` (Debian package "prometheus", installed by .ci/run). A test that
/// needs it fails when it is missing: a skipped format check would pass a broken /metrics.
/// </summary>
public static class Promtool
{
    public static string Path { get; } = Find();

    /// <summary>Runs `promtool check metrics` on <paramref name="scrape"/>; returns its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string scrape)
    {
        return await StdinCheck.RunAsync(Path, ["check", "metrics"], scrape);
    }

    private static string Find()
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in dirs.Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = System.IO.Path.Combine(dir, "promtool");
            if (File.Exists(candidate)) { return candidate; }
        }

        throw new FileNotFoundException("promtool is not installed: `apt-get install -y prometheus` (.ci/run installs it on CI).");
    }
}
