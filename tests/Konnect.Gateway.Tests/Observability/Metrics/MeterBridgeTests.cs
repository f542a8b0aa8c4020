using System.Diagnostics.Metrics;
using System.Text;
using Konnect.Gateway.Observability.Metrics;
using Konnect.Testing.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Konnect.Gateway.Tests.Observability.Metrics;

/// <summary>
/// The System.Diagnostics.Metrics instruments below the gateway (controller, Kubernetes client, rate limiting) reach a
/// gateway's prometheus-net registry under their own names, types and labels.
/// </summary>
public sealed class MeterBridgeTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly MeterBridge _bridge;
    private readonly Meter _meter;

    public MeterBridgeTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _bridge = new MeterBridge(_registry, factory);
        _registry.AddBeforeCollectCallback(_bridge.Observe); // as GatewayMetrics does, when a scrape begins
        _meter = factory.Create("Konnect.Test");
    }

    public void Dispose()
    {
        _bridge.Dispose();
        _services.Dispose();
    }

    /// <summary>A scrape as the endpoint makes one: collect, serialize, then drop the scrape-time series.</summary>
    private string Scrape()
    {
        using var stream = new MemoryStream();
        _registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        _bridge.ScrapeCompleted();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Histogram_AdvisedBuckets_ExactBucketPerObservation()
    {
        var histogram = _meter.CreateHistogram("t_seconds", description: "t",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 1] });

        // A value equal to a bound belongs to that bucket (le = "less or equal").
        foreach (var value in (double[])[0.0005, 0.001, 0.005, 0.5, 0.5, 7])
        {
            histogram.Record(value, new KeyValuePair<string, object?>("route", "r"));
        }

        var scrape = new Scrape(Scrape());
        Assert.Equal(2, scrape["t_seconds_bucket{route=\"r\",le=\"0.001\"}"]);
        Assert.Equal(3, scrape["t_seconds_bucket{route=\"r\",le=\"0.01\"}"]);
        Assert.Equal(5, scrape["t_seconds_bucket{route=\"r\",le=\"1\"}"]);
        Assert.Equal(6, scrape["t_seconds_bucket{route=\"r\",le=\"+Inf\"}"]);
        Assert.Equal(6, scrape["t_seconds_count{route=\"r\"}"]);
        Assert.Equal(8.0065, scrape["t_seconds_sum{route=\"r\"}"]!.Value, 9);
        Assert.Contains("# TYPE t_seconds histogram\n", scrape.Text);
    }

    [Fact]
    public void Counter_TagsInAnyOrder_OneSeriesLabelsSortedByName()
    {
        var counter = _meter.CreateCounter<long>("c_total", description: "Things counted.");
        counter.Add(1, new("b", "2"), new("a", "1"));
        counter.Add(2, new("a", "1"), new("b", "2"));
        counter.Add(5, new("a", "0"), new("b", "9"));

        var text = Scrape();

        Assert.Contains("# HELP c_total Things counted.\n# TYPE c_total counter\n", text);
        Assert.Contains("c_total{a=\"1\",b=\"2\"} 3\n", text);
        Assert.Contains("c_total{a=\"0\",b=\"9\"} 5\n", text);
    }

    [Fact]
    public void UpDownCounterAndObservableCounter_GaugeAndCounterTypes()
    {
        _meter.CreateUpDownCounter<int>("mm", description: "m").Add(-3);
        _meter.CreateObservableCounter("oc_total", () => 42L, description: "o");

        var text = Scrape();

        Assert.Contains("# TYPE mm gauge\nmm -3\n", text);
        Assert.Contains("# TYPE oc_total counter\noc_total 42\n", text);
        Assert.Contains("oc_total 42\n", Scrape()); // read again at the next scrape, not lost when the first was written
    }

    [Fact]
    public void ObservableGauge_SeriesNoLongerReported_Disappear()
    {
        var kinds = new List<string> { "a", "b" };
        _meter.CreateObservableGauge("o", () => kinds.Select(k => new Measurement<int>(1, new KeyValuePair<string, object?>("kind", k))), description: "o");

        Assert.Contains("o{kind=\"b\"} 1", Scrape());
        kinds.Remove("b");
        var second = Scrape();

        Assert.Contains("o{kind=\"a\"} 1", second);
        Assert.DoesNotContain("kind=\"b\"", second);
    }

    [Fact]
    public void MetersOfAnotherFactoryOrNotKonnect_Ignored()
    {
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        other.GetRequiredService<IMeterFactory>().Create("Konnect.Test").CreateCounter<long>("foreign_total").Add(1);
        _services.GetRequiredService<IMeterFactory>().Create("Microsoft.AspNetCore.Test").CreateCounter<long>("aspnet_total").Add(1);
        _meter.CreateCounter<long>("own_total").Add(1);

        var text = Scrape();

        Assert.Contains("own_total 1", text);
        Assert.DoesNotContain("foreign_total", text);
        Assert.DoesNotContain("aspnet_total", text);
    }

    [Fact]
    public void StaticKonnectMeter_SeenByEveryRegistry()
    {
        using var meter = new Meter("Konnect.Test.Static");
        using var second = new MeterBridge(Prometheus.Metrics.NewCustomRegistry(), null);
        meter.CreateCounter<long>("static_bridge_total").Add(2, new KeyValuePair<string, object?>("kind", "x"));

        Assert.Contains("static_bridge_total{kind=\"x\"} 2\n", Scrape());
    }

    [Fact]
    public void BadNamesAndClashingInstrument_SanitizedOrLeftOut()
    {
        _meter.CreateCounter<long>("a.b-c_total").Add(1, new KeyValuePair<string, object?>("1bad.label", "v"));
        _meter.CreateCounter<long>("clash").Add(1);
        _meter.CreateHistogram<double>("clash").Record(1); // same name, another type: left out, the scrape still works

        var text = Scrape();

        Assert.Contains("a_b_c_total{_bad_label=\"v\"} 1\n", text);
        Assert.Contains("# TYPE clash counter\nclash 1\n", text);
    }
}
