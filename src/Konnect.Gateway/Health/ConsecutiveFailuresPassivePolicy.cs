using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Health;

/// <summary>
/// Passive health: an endpoint whose real requests fail consecutiveFailures times in a row (connect failures,
/// timeouts, 5xx answers) is ejected for the reactivation period, after which YARP puts it back in rotation.
/// YARP's TransportFailureRate policy ignores 5xx answers, which is how most broken pods fail.
/// </summary>
internal sealed class ConsecutiveFailuresPassivePolicy(IDestinationHealthUpdater updater) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "KonnectConsecutiveFailures";

    /// <summary>Cluster metadata: failed requests in a row that eject an endpoint (default 5).</summary>
    public const string PassiveFailuresKey = "konnect.health.consecutiveFailures";

    private readonly ConditionalWeakTable<DestinationState, Counter> _failures = new();

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        // The client leaving, or the gateway's own breaker answering, says nothing about the endpoint.
        if (context.RequestAborted.IsCancellationRequested || error?.Exception is BrokenCircuitException
            || error?.Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
                or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient)
        {
            return;
        }

        var counter = _failures.GetOrCreateValue(destination);
        if (error is null && context.Response.StatusCode < 500)
        {
            Interlocked.Exchange(ref counter.Value, 0);
            return;
        }

        CountFailure(cluster, destination, counter);
    }

    /// <summary>
    /// An attempt to <paramref name="destination"/> failed (connect failure, timeout, 5xx) and the request was retried:
    /// it counts as a failed request of that destination. YARP reports only where the last attempt went, so without this
    /// an endpoint whose every request is saved by a retry elsewhere would never be ejected.
    /// </summary>
    public void AttemptFailed(ClusterState cluster, DestinationState destination) =>
        CountFailure(cluster, destination, _failures.GetOrCreateValue(destination));

    private void CountFailure(ClusterState cluster, DestinationState destination, Counter counter)
    {
        var threshold = ThresholdActiveHealthPolicy.Read(cluster.Model.Config.Metadata, PassiveFailuresKey, 5);
        if (Interlocked.Increment(ref counter.Value) >= threshold)
        {
            Interlocked.Exchange(ref counter.Value, 0);
            var period = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? TimeSpan.FromSeconds(30);
            updater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, period);
        }
    }

    private sealed class Counter
    {
        public int Value;
    }
}
