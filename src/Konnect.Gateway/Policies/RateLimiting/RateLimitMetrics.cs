using System.Diagnostics.Metrics;

namespace Konnect.Gateway.Policies.RateLimiting;

/// <summary>Instruments for the metrics endpoint to export; tagged by the KonnectPolicy ("namespace/name").</summary>
internal static class RateLimitMetrics
{
    public const string MeterName = "Konnect.RateLimiting";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Requests answered 429 by a rateLimit block.</summary>
    public static readonly Counter<long> Rejected = Meter.CreateCounter<long>("konnect_ratelimit_rejected_total", description: "Requests refused with 429 by a rateLimit policy");

    /// <summary>Decisions a cluster-scoped limit could not make because Redis was unavailable (admitted or refused per failurePolicy).</summary>
    public static readonly Counter<long> Unavailable = Meter.CreateCounter<long>("konnect_ratelimit_unavailable_total", description: "Rate-limit decisions made without Redis");
}
