using System.Diagnostics;

namespace Konnect.Testing.Metrics;

/// <summary>
/// Checks an OpenMetrics scrape with the Prometheus project's own Python client's strict OpenMetrics parser (Debian
/// package python3-prometheus-client, installed by .ci/run), which reads exemplars, "# EOF" and the OpenMetrics counter
/// naming. `promtool check metrics` reads only the classic text format: it rejects an exemplar as a bad timestamp.
/// A test that needs the parser fails when it is missing.
/// </summary>
public static class OpenMetricsCheck
{
    private const string Python = "/usr/bin/python3";

    // Prints each family as "name type samples exemplars"; any parse error exits non-zero with the parser's message.
    private const string Script = """
        import sys
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(sys.stdin.read()):
            print(family.name, family.type, len(family.samples), sum(1 for s in family.samples if s.exemplar))
        """;

    /// <summary>Parses <paramref name="scrape"/>; returns the exit code and what the parser printed.</summary>
    public static async Task<(int ExitCode, string Output)> ParseAsync(string scrape)
    {
        if (!File.Exists(Python))
        {
            throw new FileNotFoundException($"{Python} is not installed: `apt-get install -y python3-prometheus-client` (.ci/run installs it on CI).");
        }

        return await StdinCheck.RunAsync(Python, ["-c", Script], scrape);
    }
}
