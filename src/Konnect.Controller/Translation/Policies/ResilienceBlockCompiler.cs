using System.Globalization;
using Konnect.Api;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Validates and normalises loadBalancing, healthCheck, retry and circuitBreaker. Like the other compilers it checks
/// everything the CRD schema checks too (folder mode has no API server) and names the first field that is wrong.
/// </summary>
internal static class ResilienceBlockCompiler
{
    /// <summary>YARP's load-balancing policies Konnect exposes, by their YARP names.</summary>
    public static readonly string[] Algorithms = ["First", "LeastRequests", "PowerOfTwoChoices", "Random", "RoundRobin"];
    private static readonly string[] IdempotentMethods = ["DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"];
    private static readonly int[] DefaultRetryStatuses = [502, 503, 504];
    // Polly refuses shorter windows; a minimum also keeps a typo ("1ms") from probing or sampling in a busy loop.
    private static readonly TimeSpan MinimumWindow = TimeSpan.FromMilliseconds(500);

    /// <returns>The first problem, or null with <paramref name="model"/> set (null when the policy sets no resilience block).</returns>
    public static string? TryCompile(string policy, KonnectPolicySpec spec, out ResilienceModel? model)
    {
        model = null;
        LoadBalancingModel? loadBalancing = null;
        HealthCheckModel? healthCheck = null;
        RetryModel? retry = null;
        CircuitBreakerModel? breaker = null;
        var invalid = (spec.LoadBalancing is { } lb ? TryCompileLoadBalancing(policy, lb, out loadBalancing) : null)
            ?? (spec.HealthCheck is { } hc ? TryCompileHealthCheck(policy, hc, out healthCheck) : null)
            ?? (spec.Retry is { } r ? TryCompileRetry(policy, r, out retry) : null)
            ?? (spec.CircuitBreaker is { } cb ? TryCompileCircuitBreaker(policy, cb, out breaker) : null);
        if (invalid is not null) { return invalid; }
        if (loadBalancing is not null || healthCheck is not null || retry is not null || breaker is not null)
        {
            model = new ResilienceModel { LoadBalancing = loadBalancing, HealthCheck = healthCheck, Retry = retry, CircuitBreaker = breaker };
        }
        return null;
    }

    public static string? TryCompileLoadBalancing(string policy, LoadBalancingPolicy block, out LoadBalancingModel? model)
    {
        model = null;
        var algorithm = "PowerOfTwoChoices";
        if (block.Algorithm is { } name)
        {
            if (string.Equals(name, "HashCookie", StringComparison.OrdinalIgnoreCase))
            {
                return "spec.loadBalancing.algorithm: HashCookie cannot run here: its cookie is an unkeyed hash of the endpoint, so a client could forge it to pick any pod; use affinity.cookie, whose value is encrypted";
            }
            algorithm = Algorithms.FirstOrDefault(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase))
                ?? string.Empty;
            if (algorithm.Length == 0)
            {
                return $"spec.loadBalancing.algorithm: \"{name}\" is not an algorithm; use one of {string.Join(", ", Algorithms)}";
            }
        }

        AffinityModel? affinity = null;
        if (block.Affinity is { } a)
        {
            if ((a.Cookie is null) == (a.Header is null))
            {
                return "spec.loadBalancing.affinity: set exactly one of cookie and header";
            }
            if (a.Cookie is { } cookie)
            {
                TimeSpan? ttl = null;
                if (cookie.Ttl is { } text)
                {
                    if (!Duration.TryParse(text, out var value) || value <= TimeSpan.Zero) { return $"spec.loadBalancing.affinity.cookie.ttl: \"{text}\" is not a positive duration such as 1h"; }
                    ttl = value;
                }
                var cookieName = cookie.Name ?? ".Konnect.Affinity";
                if (!IsToken(cookieName)) { return $"spec.loadBalancing.affinity.cookie.name: \"{cookieName}\" is not a cookie name"; }
                affinity = new AffinityModel { Kind = AffinityKind.Cookie, Name = cookieName, Ttl = ttl };
            }
            else
            {
                var header = a.Header!.Name;
                if (!IsToken(header)) { return $"spec.loadBalancing.affinity.header.name: \"{header}\" is not a header name"; }
                affinity = new AffinityModel { Kind = AffinityKind.Header, Name = header.ToLowerInvariant() };
            }
        }

        model = new LoadBalancingModel { Policy = policy, Algorithm = algorithm, Affinity = affinity };
        return null;
    }

    public static string? TryCompileHealthCheck(string policy, HealthCheckPolicy block, out HealthCheckModel? model)
    {
        model = null;
        if (block.Active is null && block.Passive is null) { return "spec.healthCheck: set active, passive or both"; }
        ActiveHealthModel? active = null;
        if (block.Active is { } a)
        {
            const string field = "spec.healthCheck.active";
            if (string.IsNullOrEmpty(a.Path) || a.Path[0] != '/' || a.Path.Any(c => char.IsWhiteSpace(c) || c is '?' or '#'))
            {
                return $"{field}.path: \"{a.Path}\" must be a path starting with / (no query)";
            }
            if (Window(a.Interval, "10s", $"{field}.interval", TimeSpan.FromSeconds(1), out var interval) is { } e1) { return e1; }
            if (Window(a.Timeout, "5s", $"{field}.timeout", MinimumWindow, out var timeout) is { } e2) { return e2; }
            if (timeout > interval) { return $"{field}.timeout: {Duration.Format(timeout)} is longer than the interval {Duration.Format(interval)}"; }
            if (Count(a.HealthyThreshold, 1, 1, 100, $"{field}.healthyThreshold", out var healthy) is { } e3) { return e3; }
            if (Count(a.UnhealthyThreshold, 2, 1, 100, $"{field}.unhealthyThreshold", out var unhealthy) is { } e4) { return e4; }
            active = new ActiveHealthModel { Path = a.Path, Interval = interval, Timeout = timeout, HealthyThreshold = healthy, UnhealthyThreshold = unhealthy };
        }

        PassiveHealthModel? passive = null;
        if (block.Passive is { } p)
        {
            if (Count(p.ConsecutiveFailures, 5, 1, 1000, "spec.healthCheck.passive.consecutiveFailures", out var failures) is { } e1) { return e1; }
            if (Window(p.ReactivationPeriod, "30s", "spec.healthCheck.passive.reactivationPeriod", TimeSpan.FromSeconds(1), out var period) is { } e2) { return e2; }
            passive = new PassiveHealthModel { ConsecutiveFailures = failures, ReactivationPeriod = period };
        }

        model = new HealthCheckModel { Policy = policy, Active = active, Passive = passive };
        return null;
    }

    public static string? TryCompileRetry(string policy, RetryPolicy block, out RetryModel? model)
    {
        model = null;
        if (block.Attempts is < 2 or > 10) { return $"spec.retry.attempts: {block.Attempts} is outside 2-10 (attempts count the first try)"; }

        bool connect = false, timeout = false;
        var statuses = new SortedSet<int>();
        var on = block.On is { Count: > 0 } list ? list : ["connect-failure", .. DefaultRetryStatuses.Select(s => s.ToString(CultureInfo.InvariantCulture))];
        for (var i = 0; i < on.Count; i++)
        {
            switch (on[i])
            {
                case "connect-failure": connect = true; break;
                case "timeout": timeout = true; break;
                case { Length: 3 } s when s[0] == '5' && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var code): statuses.Add(code); break;
                default: return $"spec.retry.on[{i}]: \"{on[i]}\" is not connect-failure, timeout or a 5xx status";
            }
        }

        TimeSpan? perTry = null;
        if (block.PerTryTimeout is { } text)
        {
            if (Window(text, text, "spec.retry.perTryTimeout", TimeSpan.FromMilliseconds(10), out var value) is { } e) { return e; }
            perTry = value;
        }
        else if (timeout)
        {
            return "spec.retry.on: timeout needs perTryTimeout (the rule's timeout ends the whole request, so it is never retried)";
        }

        var methods = block.Methods is { Count: > 0 } m
            ? m.Select(x => x.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()
            : IdempotentMethods;
        if (methods.Contains("CONNECT")) { return "spec.retry.methods: CONNECT cannot be retried (the tunnel belongs to the client)"; }

        var ratio = block.Budget?.Ratio ?? 0.2;
        if (!double.IsFinite(ratio) || ratio is < 0 or > 1) { return $"spec.retry.budget.ratio: {ratio.ToString(CultureInfo.InvariantCulture)} is outside 0-1"; }
        var perSecond = block.Budget?.MinPerSecond ?? 10;
        if (perSecond is < 0 or > 10000) { return $"spec.retry.budget.minPerSecond: {perSecond} is outside 0-10000"; }

        model = new RetryModel
        {
            Policy = policy,
            Attempts = block.Attempts,
            OnConnectFailure = connect,
            OnTimeout = timeout,
            OnStatuses = statuses.ToArray(),
            PerTryTimeout = perTry,
            Methods = methods,
            BudgetRatio = ratio,
            BudgetMinPerSecond = perSecond,
        };
        return null;
    }

    public static string? TryCompileCircuitBreaker(string policy, CircuitBreakerPolicy block, out CircuitBreakerModel? model)
    {
        model = null;
        const string field = "spec.circuitBreaker";
        var ratio = block.FailureRatio ?? 0.5;
        if (!double.IsFinite(ratio) || ratio is < 0.01 or > 1) { return $"{field}.failureRatio: {ratio.ToString(CultureInfo.InvariantCulture)} is outside 0.01-1"; }
        if (Count(block.MinimumThroughput, 20, 2, 100000, $"{field}.minimumThroughput", out var throughput) is { } e1) { return e1; }
        if (Window(block.SamplingDuration, "30s", $"{field}.samplingDuration", MinimumWindow, out var sampling) is { } e2) { return e2; }
        if (Window(block.BreakDuration, "30s", $"{field}.breakDuration", MinimumWindow, out var breakFor) is { } e3) { return e3; }
        model = new CircuitBreakerModel { Policy = policy, FailureRatio = ratio, MinimumThroughput = throughput, SamplingDuration = sampling, BreakDuration = breakFor };
        return null;
    }

    private static string? Window(string? text, string fallback, string field, TimeSpan minimum, out TimeSpan value)
    {
        var effective = text ?? fallback;
        if (!Duration.TryParse(effective, out value)) { return $"{field}: \"{effective}\" is not a duration such as 500ms or 10s"; }
        if (value < minimum) { return $"{field}: {Duration.Format(value)} is shorter than the minimum {Duration.Format(minimum)}"; }
        return null;
    }

    private static string? Count(int? given, int fallback, int min, int max, string field, out int value)
    {
        value = given ?? fallback;
        return value < min || value > max ? $"{field}: {value} is outside {min}-{max}" : null;
    }

    private static bool IsToken(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+.^_`|~-".Contains(c));
}
