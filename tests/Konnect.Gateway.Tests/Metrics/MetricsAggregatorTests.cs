using System.Diagnostics.Metrics;
using Konnect.Gateway.Metrics;
using Konnect.Gateway.Metrics.Prometheus;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Metrics;

public sealed class MetricsAggregatorTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MetricsAggregator _aggregator;
    private readonly Meter _meter;

    public MetricsAggregatorTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _aggregator = new MetricsAggregator(factory);
        _meter = factory.Create("Konnect.Test");
    }

    public void Dispose()
    {
        _aggregator.Dispose();
        _services.Dispose();
    }

    private string Scrape()
    {
        using var text = new StringWriter();
        new PrometheusTextFormat().Write(_aggregator.Collect(), text);
        return text.ToString();
    }

    [Fact]
    public void Collect_Histogram_ExactBucketPerObservation()
    {
        var histogram = _meter.CreateHistogram("t_seconds", description: "t",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 1] });

        // A value equal to a bound belongs to that bucket (le = "less or equal").
        foreach (var value in (double[])[0.0005, 0.001, 0.005, 0.5, 0.5, 7])
        {
            histogram.Record(value, new KeyValuePair<string, object?>("route", "r"));
        }

        var family = Assert.Single(_aggregator.Collect(), f => f.Name == "t_seconds");
        var data = Assert.Single(family.Series).Histogram!;
        Assert.Equal([0.001, 0.01, 1], data.Bounds);
        Assert.Equal([2L, 3, 5], data.CumulativeCounts);
        Assert.Equal(6, data.Count);
        Assert.Equal(8.0065, data.Sum, 9);
    }

    [Fact]
    public void Collect_TagsInAnyOrder_OneSeriesSortedByLabelName()
    {
        var counter = _meter.CreateCounter<long>("c_total", description: "c");
        counter.Add(1, new("b", "2"), new("a", "1"));
        counter.Add(2, new("a", "1"), new("b", "2"));
        counter.Add(5, new("a", "0"), new("b", "9"));

        var text = Scrape();

        Assert.Contains("c_total{a=\"0\",b=\"9\"} 5\nc_total{a=\"1\",b=\"2\"} 3\n", text);
    }

    [Fact]
    public void Collect_FamiliesSortedByName_TwoScrapesOfOneStateIdentical()
    {
        _meter.CreateCounter<long>("zz_total", description: "z").Add(1);
        _meter.CreateCounter<long>("aa_total", description: "a").Add(1);
        _meter.CreateUpDownCounter<int>("mm", description: "m").Add(-3);

        var first = Scrape();

        Assert.True(first.IndexOf("aa_total", StringComparison.Ordinal) < first.IndexOf("# HELP mm", StringComparison.Ordinal));
        Assert.True(first.IndexOf("# HELP mm", StringComparison.Ordinal) < first.IndexOf("zz_total", StringComparison.Ordinal));
        Assert.Contains("# TYPE mm gauge\nmm -3\n", first);
        Assert.Equal(first, Scrape());
    }

    [Fact]
    public void Collect_ObservableGauge_SeriesNoLongerReportedDisappear()
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
    public void Collect_MetersOfAnotherFactoryOrNotKonnect_Ignored()
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
}
