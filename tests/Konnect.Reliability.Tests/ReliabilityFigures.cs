using System.Globalization;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests;

/// <summary>
/// Where the suite's parts take their size from and put their figures. `make test` runs every part quick (seconds);
/// `make reliability` sets KONNECT_RELIABILITY=full for the sizes the issue names and
/// KONNECT_RELIABILITY_OUT to a file that collects one tab-separated line per figure (part, figure, value, verdict),
/// which the Makefile prints as one table at the end.
/// </summary>
public static class ReliabilityFigures
{
    private static readonly object Gate = new();

    /// <summary>True under `make reliability`: the full sizes (60 s of churn, 10,000 mutations, 30 minutes of soak).</summary>
    public static bool Full { get; } =
        string.Equals(Environment.GetEnvironmentVariable("KONNECT_RELIABILITY"), "full", StringComparison.OrdinalIgnoreCase);

    /// <summary>The quick size in `make test`, the full one under `make reliability`.</summary>
    public static T Size<T>(T quick, T full) => Full ? full : quick;

    /// <summary>
    /// Records one figure: printed to the test's output, and appended to KONNECT_RELIABILITY_OUT when set.
    /// <paramref name="verdict"/> is "met", "missed" or "" when the figure is informational.
    /// </summary>
    public static void Record(ITestOutputHelper output, string part, string figure, string value, string verdict = "")
    {
        var line = string.Join('\t', part, figure, value, verdict);
        output.WriteLine(line);
        var path = Environment.GetEnvironmentVariable("KONNECT_RELIABILITY_OUT");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        lock (Gate)
        {
            File.AppendAllText(path, line.Replace('\n', ' ') + "\n");
        }
    }

    /// <summary>A number as the table shows it, invariant culture.</summary>
    public static string Format(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);
}
