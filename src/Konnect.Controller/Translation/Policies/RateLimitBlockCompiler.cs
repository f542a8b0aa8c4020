using System.Text.RegularExpressions;
using Konnect.Api;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Validates a rateLimit block. Folder mode has no API-server schema or CEL check, so every rule the CRD states is
/// checked again here, and the first problem is reported with its field.
/// </summary>
internal static partial class RateLimitBlockCompiler
{
    public const int MaxLimits = 8;
    public const long MaxRequests = 1_000_000_000;
    private static readonly TimeSpan MinPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromHours(24);

    public static string? TryCompile(string policy, RateLimitPolicy block, out RateLimitModel? model)
    {
        model = null;
        if (block.Limits is not { Count: > 0 } limits) { return "spec.rateLimit.limits: at least one limit is required, e.g. { requests: 100, period: 1m }"; }
        if (limits.Count > MaxLimits) { return $"spec.rateLimit.limits: {limits.Count} limits; at most {MaxLimits} are allowed"; }
        var windows = new List<RateLimitWindowModel>(limits.Count);
        for (var i = 0; i < limits.Count; i++)
        {
            var field = $"spec.rateLimit.limits[{i}]";
            var limit = limits[i];
            if (limit.Requests is < 1 or > MaxRequests) { return $"{field}.requests: {limit.Requests} is outside 1-{MaxRequests}"; }
            if (!Duration.TryParse(limit.Period, out var period)) { return $"{field}.period: \"{limit.Period}\" is not a duration such as 1s, 1m or 1h"; }
            if (period < MinPeriod || period > MaxPeriod) { return $"{field}.period: {limit.Period} is outside 1s-24h"; }
            if (limit.Burst is < 1 or > MaxRequests) { return $"{field}.burst: {limit.Burst} is outside 1-{MaxRequests}"; }
            windows.Add(new RateLimitWindowModel(limit.Requests, period, limit.Burst ?? limit.Requests));
        }

        string? header = null;
        if (block.Key == RateLimitKey.Header)
        {
            if (string.IsNullOrEmpty(block.Header)) { return "spec.rateLimit.header: key: header needs the name of the request header to count by"; }
            if (!HeaderName().IsMatch(block.Header)) { return $"spec.rateLimit.header: \"{block.Header}\" is not a header name"; }
            header = block.Header.ToLowerInvariant();
        }
        else if (block.Header is not null)
        {
            return $"spec.rateLimit.header: only used with key: header (key is {Name(block.Key)}); remove it or set key: header";
        }

        if (block.Scope != RateLimitScope.Cluster && block.FailurePolicy is not null)
        {
            return "spec.rateLimit.failurePolicy: only applies to scope: cluster (a local limit needs no Redis); remove it or set scope: cluster";
        }

        model = new RateLimitModel
        {
            Policy = policy,
            Limits = windows,
            Key = block.Key,
            Header = header,
            Scope = block.Scope,
            FailurePolicy = block.FailurePolicy ?? RateLimitFailurePolicy.Open,
        };
        return null;
    }

    private static string Name(RateLimitKey key) => key switch
    {
        RateLimitKey.ClientIp => "clientIp",
        _ => key.ToString().ToLowerInvariant(),
    };

    [GeneratedRegex(IpAccessPolicy.HeaderNamePattern)]
    private static partial Regex HeaderName();
}
