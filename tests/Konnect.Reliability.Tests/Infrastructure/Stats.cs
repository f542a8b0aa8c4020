namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>The few statistics the suite reports: nearest-rank percentiles and a least-squares slope.</summary>
public static class Stats
{
    /// <summary>The nearest-rank percentile (<paramref name="p"/> in 0..1) of <paramref name="values"/>; 0 when empty.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        if (values.Count == 0) { return 0; }
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The least-squares slope of y over x (units of y per unit of x); 0 with fewer than two distinct x.</summary>
    public static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2) { return 0; }
        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        var sxy = points.Sum(p => (p.X - meanX) * (p.Y - meanY));
        return sxx == 0 ? 0 : sxy / sxx;
    }
}
