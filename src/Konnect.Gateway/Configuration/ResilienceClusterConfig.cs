using System.Globalization;
using System.Text.Json;
using Konnect.Model;
using Konnect.Gateway.Health;
using Konnect.Gateway.LoadBalancing;
using Konnect.Gateway.Resilience;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Konnect.Gateway.Configuration;

/// <summary>
/// Puts a rule's resilience blocks into its YARP cluster: the load-balancing policy, session affinity and health
/// checks as YARP configures them, and retry and circuit breaker as metadata that <see cref="ResilientForwarderClient"/>
/// turns into the cluster's <see cref="ResilienceHandler"/>. Each metadata key belongs to the stage that reads it.
/// </summary>
internal static class ResilienceClusterConfig
{
    /// <param name="weighted">The backends have unequal weights: the weighted policy picks the backend and delegates.</param>
    public static ClusterConfig Apply(ClusterConfig cluster, ResilienceModel? resilience, bool weighted)
    {
        var algorithm = PolicyName(resilience?.LoadBalancing?.Algorithm);
        // Added to what the cluster already carries (upstream TLS puts its CA there).
        var metadata = cluster.Metadata is { } existing ? new Dictionary<string, string>(existing, StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal);
        // Without a loadBalancing block a weighted rule keeps plain weighted-random choice among all endpoints.
        if (weighted && resilience?.LoadBalancing is not null) { metadata[WeightedLoadBalancingPolicy.AlgorithmKey] = algorithm; }
        if (resilience?.Retry is { } retry) { metadata[ResilientForwarderClient.RetryKey] = JsonSerializer.Serialize(retry, ResilienceJsonContext.Default.RetryModel); }
        if (resilience?.CircuitBreaker is { } breaker) { metadata[ResilientForwarderClient.CircuitBreakerKey] = JsonSerializer.Serialize(breaker, ResilienceJsonContext.Default.CircuitBreakerModel); }

        HealthCheckConfig? health = null;
        if (resilience?.HealthCheck is { } check)
        {
            if (check.Active is { } active)
            {
                metadata[ThresholdActiveHealthPolicy.HealthyThresholdKey] = active.HealthyThreshold.ToString(CultureInfo.InvariantCulture);
                metadata[ThresholdActiveHealthPolicy.UnhealthyThresholdKey] = active.UnhealthyThreshold.ToString(CultureInfo.InvariantCulture);
            }
            if (check.Passive is { } passive)
            {
                metadata[ConsecutiveFailuresPassivePolicy.PassiveFailuresKey] = passive.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture);
            }
            health = new HealthCheckConfig
            {
                // YARP's default (HealthyOrPanic) sends to every endpoint once all are unhealthy; an unhealthy
                // endpoint must get nothing, and the client a 503 saying so.
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyAndUnknown,
                Active = check.Active is { } a
                    ? new ActiveHealthCheckConfig { Enabled = true, Path = a.Path, Interval = a.Interval, Timeout = a.Timeout, Policy = ThresholdActiveHealthPolicy.PolicyName }
                    : null,
                Passive = check.Passive is { } p
                    ? new PassiveHealthCheckConfig { Enabled = true, Policy = ConsecutiveFailuresPassivePolicy.PolicyName, ReactivationPeriod = p.ReactivationPeriod }
                    : null,
            };
        }

        return cluster with
        {
            LoadBalancingPolicy = weighted ? WeightedLoadBalancingPolicy.PolicyName : algorithm,
            SessionAffinity = Affinity(resilience?.LoadBalancing?.Affinity),
            HealthCheck = health,
            Metadata = metadata.Count > 0 ? metadata : null,
        };
    }

    /// <summary>The YARP load-balancing policy that runs the API's <c>loadBalancing.algorithm</c> (null: the default).</summary>
    private static string PolicyName(string? algorithm) => algorithm switch
    {
        // The load-aware ones are Konnect's: YARP's policies of those names see only the requests YARP's forwarder sent.
        null or "PowerOfTwoChoices" => PowerOfTwoChoicesPolicy.PolicyName,
        "LeastRequests" => LeastRequestsPolicy.PolicyName,
        // "First" is YARP's FirstAlphabetical: the available endpoint whose address sorts first, the same on every pod.
        "First" => LoadBalancingPolicies.FirstAlphabetical,
        // RoundRobin and Random, YARP's own: they read no counts.
        { } name => name,
    };

    /// <summary>YARP's Cookie and CustomHeader policies: the key is the destination id, encrypted with data protection.</summary>
    private static SessionAffinityConfig? Affinity(AffinityModel? affinity) => affinity switch
    {
        null => null,
        { Kind: AffinityKind.Cookie } => new SessionAffinityConfig
        {
            Enabled = true,
            Policy = "Cookie",
            // A destination that went away (or is unhealthy) hands the client to a new one instead of failing it.
            FailurePolicy = "Redistribute",
            AffinityKeyName = affinity.Name,
            Cookie = new SessionAffinityCookieConfig
            {
                HttpOnly = true,
                IsEssential = true,
                Expiration = affinity.Ttl,
                SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax,
                SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest,
            },
        },
        _ => new SessionAffinityConfig { Enabled = true, Policy = "CustomHeader", FailurePolicy = "Redistribute", AffinityKeyName = affinity.Name },
    };
}
