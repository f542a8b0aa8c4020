using System.Globalization;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>
/// The machine's 1-minute load average (/proc/loadavg), recorded beside the timing figures: on a shared 2-core machine
/// a change waits for a core as long as any request does, so a time means little without the load it was taken under.
/// </summary>
public static class MachineLoad
{
    public static double Now()
    {
        var text = File.ReadAllText("/proc/loadavg");
        return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
    }
}
