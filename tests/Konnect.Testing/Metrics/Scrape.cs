using System.Globalization;

namespace Konnect.Testing.Metrics;

/// <summary>
/// A Prometheus text or OpenMetrics scrape read back into series, keyed exactly as written ("name{a=\"1\",b=\"2\"}"), so
/// a test can assert one series' value without parsing more of the format than the writer promises. An OpenMetrics
/// exemplar (" # {trace_id=\"...\"} value timestamp" after the sample) is kept apart, by series.
/// </summary>
public sealed class Scrape
{
    private readonly Dictionary<string, double> _series = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _exemplars = new(StringComparer.Ordinal);

    public Scrape(string text)
    {
        Text = text;
        foreach (var raw in text.Split('\n'))
        {
            if (raw.Length == 0 || raw[0] == '#') { continue; }
            var line = raw;
            // The exemplar starts after the labels' closing brace, if the series has labels (a label value may hold " # {").
            var labelled = raw.IndexOfAny(['{', ' ']) is var first && first >= 0 && raw[first] == '{';
            var exemplar = raw.IndexOf(" # {", labelled ? raw.IndexOf("} ", StringComparison.Ordinal) : 0, StringComparison.Ordinal);
            if (exemplar >= 0)
            {
                line = raw[..exemplar];
            }

            var space = line.LastIndexOf(' ');
            var value = line[(space + 1)..] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            _series.Add(line[..space], value);
            if (exemplar >= 0) { _exemplars.Add(line[..space], raw[(exemplar + 3)..]); }
        }
    }

    public string Text { get; }

    /// <summary>The value of one series, or null when the scrape does not have it.</summary>
    public double? this[string series] => _series.TryGetValue(series, out var value) ? value : null;

    /// <summary>Every series of a metric (its exact name, or name_bucket / _sum / _count for histograms).</summary>
    public IReadOnlyDictionary<string, double> Family(string name) =>
        _series.Where(s => s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)).ToDictionary(s => s.Key, s => s.Value);

    /// <summary>The exemplars of a metric's series, e.g. "{trace_id=\"…\",span_id=\"…\"} 0.0042 1765432100.123", by series.</summary>
    public IReadOnlyDictionary<string, string> Exemplars(string name) =>
        _exemplars.Where(s => s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)).ToDictionary(s => s.Key, s => s.Value);
}
