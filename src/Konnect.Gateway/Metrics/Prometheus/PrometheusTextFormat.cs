using System.Globalization;

namespace Konnect.Gateway.Metrics.Prometheus;

/// <summary>
/// The Prometheus text exposition format 0.0.4: per family a HELP and a TYPE line, then one line per sample;
/// histograms as cumulative <c>_bucket{le=...}</c> series ending in +Inf, then <c>_sum</c> and <c>_count</c>.
/// </summary>
public sealed class PrometheusTextFormat : IMetricsExposition
{
    public string ContentType => "text/plain; version=0.0.4; charset=utf-8";

    public void Write(IReadOnlyList<MetricFamily> families, TextWriter output)
    {
        foreach (var family in families)
        {
            if (family.Series.Count == 0)
            {
                continue;
            }

            var name = SanitizeName(family.Name);
            output.Write("# HELP ");
            output.Write(name);
            output.Write(' ');
            output.Write(EscapeHelp(family.Help));
            output.Write("\n# TYPE ");
            output.Write(name);
            output.Write(family.Type switch { MetricType.Counter => " counter\n", MetricType.Gauge => " gauge\n", _ => " histogram\n" });
            foreach (var series in family.Series)
            {
                if (family.Type == MetricType.Histogram && series.Histogram is { } histogram)
                {
                    WriteHistogram(output, name, series.Labels, histogram);
                }
                else
                {
                    WriteSample(output, name, series.Labels, null, series.Value);
                }
            }
        }
    }

    private static void WriteHistogram(TextWriter output, string name, IReadOnlyList<KeyValuePair<string, string>> labels, HistogramData histogram)
    {
        var bucket = name + "_bucket";
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            WriteSample(output, bucket, labels, FormatValue(histogram.Bounds[i]), histogram.CumulativeCounts[i]);
        }

        WriteSample(output, bucket, labels, "+Inf", histogram.Count);
        WriteSample(output, name + "_sum", labels, null, histogram.Sum);
        WriteSample(output, name + "_count", labels, null, histogram.Count);
    }

    private static void WriteSample(TextWriter output, string name, IReadOnlyList<KeyValuePair<string, string>> labels, string? le, double value)
    {
        output.Write(name);
        if (labels.Count > 0 || le is not null)
        {
            output.Write('{');
            var first = true;
            foreach (var (label, text) in labels)
            {
                if (!first) { output.Write(','); }
                first = false;
                WriteLabel(output, SanitizeName(label, allowColon: false), text);
            }

            // "le" last, as Prometheus' own clients write it; a family's own "le" label would be ambiguous, so the
            // aggregator never produces one.
            if (le is not null)
            {
                if (!first) { output.Write(','); }
                WriteLabel(output, "le", le);
            }

            output.Write('}');
        }

        output.Write(' ');
        output.Write(FormatValue(value));
        output.Write('\n');
    }

    private static void WriteLabel(TextWriter output, string name, string value)
    {
        output.Write(name);
        output.Write("=\"");
        output.Write(EscapeLabelValue(value));
        output.Write('"');
    }

    /// <summary>Go's ParseFloat reads these; "+Inf", "-Inf" and "NaN" are the spellings the format fixes.</summary>
    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>In label values a backslash, a double quote and a line feed are escaped; nothing else is.</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny("\\\"\n") < 0)
        {
            return value;
        }

        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>In HELP text only a backslash and a line feed are escaped (a quote is literal).</summary>
    public static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>
    /// Names must match [a-zA-Z_:][a-zA-Z0-9_:]* (labels without ':'); anything else, such as the dots of OpenTelemetry
    /// instrument names, becomes '_' so a foreign instrument can never break the whole scrape.
    /// </summary>
    public static string SanitizeName(string name, bool allowColon = true)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var chars = name.ToCharArray();
        var changed = false;
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                chars[i] = '_';
                changed = true;
            }
        }

        return changed ? new string(chars) : name;
    }
}
