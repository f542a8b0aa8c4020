using System.Globalization;

namespace Konnect.Bench.Ai;

/// <summary>
/// Konnect's own view of a phase, from two scrapes of its /metrics: how long it held each AI call by its own clock,
/// its CPU and allocations per call and the collections that ran. Set beside the client's figures this splits the
/// added latency into what happens inside the gateway and what the extra loopback hop costs.
/// </summary>
internal sealed record MetricsSnapshot(IReadOnlyDictionary<string, double> Sums)
{
    /// <summary>The series summed over their labels, by metric name (e.g. konnect_http_request_duration_seconds_sum).</summary>
    public double this[string name] => Sums.TryGetValue(name, out var v) ? v : 0;

    public static async Task<MetricsSnapshot> ScrapeAsync(HttpClient http, Uri url)
    {
        var text = await http.GetStringAsync(url).ConfigureAwait(false);
        var sums = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') { continue; }
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0) { continue; }
            // An exemplar follows the value after " # "; the value is then the last token before it.
            var body = line.Contains(" # ", StringComparison.Ordinal) ? line[..line.IndexOf(" # ", StringComparison.Ordinal)] : line;
            var value = body[(body.LastIndexOf(' ') + 1)..];
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) { continue; }
            var name = line[..nameEnd];
            // Collections by generation are kept apart: a gen-2 collection is the one that stalls calls.
            if (name == "dotnet_gc_collections_total" && Label(line, "generation") is { } generation) { name += "_gen" + generation; }
            sums[name] = sums.GetValueOrDefault(name) + v;
        }
        return new MetricsSnapshot(sums);
    }

    private static string? Label(string line, string label)
    {
        var at = line.IndexOf(label + "=\"", StringComparison.Ordinal);
        if (at < 0) { return null; }
        var start = at + label.Length + 2;
        return line[start..line.IndexOf('"', start)];
    }
}

/// <summary>What Konnect reported between two scrapes, per AI call it served.</summary>
internal sealed record KonnectView(int Calls, double RequestMs, double AiCallMs, double FirstTokenMs, double CpuUs, double AllocatedKiB, double Gen0, double Gen1, double Gen2)
{
    public static KonnectView Between(MetricsSnapshot before, MetricsSnapshot after)
    {
        double Delta(string name) => after[name] - before[name];
        var calls = (int)Delta("gen_ai_server_request_duration_seconds_count");
        var n = Math.Max(calls, 1);
        return new KonnectView(
            calls,
            RequestMs: Delta("konnect_http_request_duration_seconds_sum") / Math.Max(Delta("konnect_http_request_duration_seconds_count"), 1) * 1000,
            AiCallMs: Delta("gen_ai_server_request_duration_seconds_sum") / n * 1000,
            FirstTokenMs: Delta("gen_ai_server_time_to_first_token_seconds_sum") / Math.Max(Delta("gen_ai_server_time_to_first_token_seconds_count"), 1) * 1000,
            CpuUs: Delta("process_cpu_seconds_total") / n * 1e6,
            AllocatedKiB: Delta("dotnet_gc_allocated_bytes_total") / n / 1024,
            Gen0: Delta("dotnet_gc_collections_total_gen0"),
            Gen1: Delta("dotnet_gc_collections_total_gen1"),
            Gen2: Delta("dotnet_gc_collections_total_gen2"));
    }
}
