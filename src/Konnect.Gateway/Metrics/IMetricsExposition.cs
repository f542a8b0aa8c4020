namespace Konnect.Gateway.Metrics;

/// <summary>
/// Serializes a scrape. The seam where a Prometheus library (or OpenMetrics) would replace Konnect's own writer:
/// only <see cref="Prometheus.PrometheusTextFormat"/> knows the wire format.
/// </summary>
public interface IMetricsExposition
{
    /// <summary>The Content-Type of the scrape response.</summary>
    string ContentType { get; }

    void Write(IReadOnlyList<MetricFamily> families, TextWriter output);
}
