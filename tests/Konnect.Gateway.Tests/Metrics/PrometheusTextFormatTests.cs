using Konnect.Gateway.Metrics;
using Konnect.Gateway.Metrics.Prometheus;
using Konnect.Testing.Metrics;

namespace Konnect.Gateway.Tests.Metrics;

public sealed class PrometheusTextFormatTests
{
    private static string Write(params MetricFamily[] families)
    {
        using var text = new StringWriter();
        new PrometheusTextFormat().Write(families, text);
        return text.ToString();
    }

    private static KeyValuePair<string, string>[] Labels(params (string Name, string Value)[] labels) =>
        [.. labels.Select(l => new KeyValuePair<string, string>(l.Name, l.Value))];

    [Fact]
    public void Write_Counter_HelpTypeAndSampleLines()
    {
        var text = Write(new MetricFamily("konnect_things_total", "Things seen.", MetricType.Counter,
            [new MetricSeries(Labels(("kind", "a")), 3), new MetricSeries(Labels(("kind", "b")), 0.5)]));

        Assert.Equal("""
            # HELP konnect_things_total Things seen.
            # TYPE konnect_things_total counter
            konnect_things_total{kind="a"} 3
            konnect_things_total{kind="b"} 0.5

            """.Replace("\r\n", "\n"), text);
    }

    [Fact]
    public void Write_LabelValue_EscapesBackslashQuoteAndNewlineOnly()
    {
        var text = Write(new MetricFamily("g", "h", MetricType.Gauge,
            [new MetricSeries(Labels(("path", "C:\\dir \"quoted\"\nnext {}=,")), 1)]));

        Assert.Contains("g{path=\"C:\\\\dir \\\"quoted\\\"\\nnext {}=,\"} 1\n", text);
    }

    [Fact]
    public void Write_Help_EscapesBackslashAndNewlineButNotQuotes()
    {
        var text = Write(new MetricFamily("g", "a \\ b\n\"c\"", MetricType.Gauge, [new MetricSeries([], 1)]));

        Assert.StartsWith("# HELP g a \\\\ b\\n\"c\"\n# TYPE g gauge\ng 1\n", text);
    }

    [Fact]
    public void Write_Histogram_CumulativeBucketsThenInfSumCount()
    {
        var histogram = new HistogramData([0.1, 1], [2, 5], 12.5, 7);
        var text = Write(new MetricFamily("d_seconds", "Durations.", MetricType.Histogram,
            [new MetricSeries(Labels(("route", "r")), 0, histogram)]));

        Assert.Equal("""
            # HELP d_seconds Durations.
            # TYPE d_seconds histogram
            d_seconds_bucket{route="r",le="0.1"} 2
            d_seconds_bucket{route="r",le="1"} 5
            d_seconds_bucket{route="r",le="+Inf"} 7
            d_seconds_sum{route="r"} 12.5
            d_seconds_count{route="r"} 7

            """.Replace("\r\n", "\n"), text);
    }

    [Fact]
    public void Write_SpecialValuesAndBadNames_SpelledAsTheFormatRequires()
    {
        var text = Write(
            new MetricFamily("a.b-c", "x", MetricType.Gauge, [new MetricSeries(Labels(("1bad.label", "v")), double.PositiveInfinity)]),
            new MetricFamily("n", "x", MetricType.Gauge, [new MetricSeries([], double.NaN)]),
            new MetricFamily("m", "x", MetricType.Gauge, [new MetricSeries([], double.NegativeInfinity)]),
            new MetricFamily("empty", "x", MetricType.Gauge, []));

        Assert.Contains("a_b_c{_bad_label=\"v\"} +Inf\n", text);
        Assert.Contains("n NaN\n", text);
        Assert.Contains("m -Inf\n", text);
        Assert.DoesNotContain("empty", text); // a family without series writes nothing, not a dangling HELP
    }

    [Fact]
    public async Task Write_EveryShape_PassesPromtool()
    {
        var text = Write(
            new MetricFamily("konnect_a_total", "Quote \" and \\ and\nnewline.", MetricType.Counter,
                [new MetricSeries(Labels(("v", "x\"y\\z\nw")), 1)]),
            new MetricFamily("konnect_queue_depth", "A gauge.", MetricType.Gauge, [new MetricSeries([], -2.5)]),
            new MetricFamily("konnect_c_seconds", "A histogram.", MetricType.Histogram,
                [new MetricSeries(Labels(("r", "1")), 0, new HistogramData([0.001, 30], [0, 1], 0.5, 1))]));

        var (exit, output) = await Promtool.CheckMetricsAsync(text);

        Assert.True(exit == 0, $"promtool check metrics failed ({exit}): {output}\n{text}");
    }
}
