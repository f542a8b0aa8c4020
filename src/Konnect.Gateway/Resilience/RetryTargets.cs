using Konnect.Gateway.Health;
using Konnect.Gateway.LoadBalancing;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// Moves a request's next attempt to another endpoint. <see cref="ResilienceHandler"/> retries under YARP's forwarder,
/// after load balancing chose one destination and YARP built the upstream request for it; so a retry elsewhere takes
/// the destination <see cref="RetryDestinations"/> chooses, points the upstream request at it, and makes it the
/// request's proxied destination, which is what passive health, metrics, the access log, tracing and session affinity
/// then read. The failed attempt is reported to passive health here, since YARP reports only the last one.
/// </summary>
internal sealed class RetryTargets(RetryDestinations destinations, IEnumerable<IPassiveHealthCheckPolicy> passivePolicies)
{
    private readonly ConsecutiveFailuresPassivePolicy? _passive = passivePolicies.OfType<ConsecutiveFailuresPassivePolicy>().FirstOrDefault();

    /// <summary>
    /// The attempt <paramref name="request"/> just made failed and it will be retried: the next attempt goes to an
    /// endpoint not tried yet while one is available. A request without its context (no resilience transform) or whose
    /// URI is not the one YARP built stays where it is.
    /// </summary>
    public void MoveOn(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(ResilienceHandler.ContextOption, out var context)
            || context.Features.Get<IReverseProxyFeature>() is not { ProxiedDestination: { } failed } proxy)
        {
            return;
        }

        if (proxy.Cluster.Config.HealthCheck?.Passive is { Enabled: true } passive && proxy.Route.Cluster is { } cluster
            && string.Equals(passive.Policy, ConsecutiveFailuresPassivePolicy.PolicyName, StringComparison.OrdinalIgnoreCase))
        {
            _passive?.AttemptFailed(cluster, failed);
        }

        if (destinations.Next(context, proxy, failed) is { } next && !ReferenceEquals(next, failed) && Retarget(request, failed, next))
        {
            proxy.ProxiedDestination = next;
        }
    }

    /// <summary>
    /// Points <paramref name="request"/>, built for <paramref name="from"/>, at <paramref name="to"/>: the same path and
    /// query after the other address, and the other destination's Host when YARP set <paramref name="from"/>'s.
    /// </summary>
    internal static bool Retarget(HttpRequestMessage request, DestinationState from, DestinationState to)
    {
        if (request.RequestUri?.OriginalString is not { } uri || from.Model?.Config is not { } source || to.Model?.Config is not { } target)
        {
            return false;
        }

        // YARP writes the address, less a trailing slash when a path follows, then the path and query
        // (RequestUtilities.MakeDestinationAddress); a URI a transform built some other way is left alone.
        var fromBase = source.Address.EndsWith('/') ? source.Address.AsSpan(0, source.Address.Length - 1) : source.Address.AsSpan();
        if (!uri.AsSpan().StartsWith(fromBase, StringComparison.Ordinal)) { return false; }
        var rest = uri.AsSpan(fromBase.Length);
        var toBase = target.Address.AsSpan();
        if (toBase.EndsWith('/') && rest.StartsWith('/')) { toBase = toBase[..^1]; }
        if (!Uri.TryCreate(string.Concat(toBase, rest), UriKind.Absolute, out var retargeted)) { return false; }

        request.RequestUri = retargeted;
        // A backend with upstream TLS sends its SNI name as the Host (the destination's Host, which YARP sets unless the
        // request's own host is kept); a backend without one lets the URI's authority be the Host.
        if (!string.Equals(source.Host, target.Host, StringComparison.OrdinalIgnoreCase)
            && string.Equals(request.Headers.Host, source.Host, StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.Host = target.Host;
        }
        return true;
    }
}
