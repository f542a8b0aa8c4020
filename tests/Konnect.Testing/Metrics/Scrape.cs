using System.Globalization;

namespace Konnect.Testing.Metrics;

/// <summary>
/// A Prometheus text scrape read back into series, keyed exactly as written ("name{a=\"1\",b=\"2\"}"), so a test can
/// assert one series' value without parsing more of the format than the writer promises.
/// </summary>
public sealed class Scrape
{
    private readonly Dictionary<string, double> _series = new(StringComparer.Ordinal);

    public Scrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') { continue; }
            var space = line.LastIndexOf(' ');
            var value = line[(space + 1)..] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            _series.Add(line[..space], value);
        }
    }

    public string Text { get; }

    /// <summary>The value of one series, or null when the scrape does not have it.</summary>
    public double? this[string series] => _series.TryGetValue(series, out var value) ? value : null;

    /// <summary>Every series of a metric (its exact name, or name_bucket / _sum / _count for histograms).</summary>
    public IReadOnlyDictionary<string, double> Family(string name) =>
        _series.Where(s => s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)).ToDictionary(s => s.Key, s => s.Value);
}
