using Konnect.Api.V1Alpha1;

namespace Konnect.Gateway.Ai.Quotas;

/// <summary>
/// A quota's fixed calendar window in UTC: a minute, hour, day or calendar month. Counts are kept per window start, so
/// a count restarts when its window ends without anything having to reset it.
/// </summary>
internal readonly record struct QuotaWindow(DateTime Start, DateTime End)
{
    public static QuotaWindow Of(AiQuotaPeriod period, DateTimeOffset now)
    {
        var t = now.UtcDateTime;
        return period switch
        {
            AiQuotaPeriod.Minute => From(new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, DateTimeKind.Utc), TimeSpan.FromMinutes(1)),
            AiQuotaPeriod.Hour => From(new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc), TimeSpan.FromHours(1)),
            AiQuotaPeriod.Day => From(new DateTime(t.Year, t.Month, t.Day, 0, 0, 0, DateTimeKind.Utc), TimeSpan.FromDays(1)),
            AiQuotaPeriod.Month => Month(new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc)),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, "unknown quota period"),
        };
    }

    /// <summary>The window start in Unix seconds: the part of a Redis key that names the window.</summary>
    public long StartSeconds => (Start.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;

    /// <summary>Until the window ends, never negative.</summary>
    public TimeSpan Left(DateTimeOffset now)
    {
        var left = End - now.UtcDateTime;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static QuotaWindow From(DateTime start, TimeSpan length) => new(start, start + length);

    private static QuotaWindow Month(DateTime start) => new(start, start.AddMonths(1));
}
