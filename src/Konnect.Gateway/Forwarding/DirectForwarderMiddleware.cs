using Konnect.Model;
using Konnect.Gateway.LoadBalancing;
using Konnect.Gateway.Observability.RequestIds;
using Konnect.Gateway.Observability.Tracing;
using Konnect.Gateway.Policies;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// The last step of YARP's pipeline, in place of YARP's own forwarding step for the requests Konnect's HTTP/1.1
/// forwarder covers: a plain-HTTP upstream, a rule whose transforms are the prefix rewrite at most (no header or body
/// edits, mirror, retries or circuit breaker), tracing off, and a request that is not an upgrade, a CONNECT or an
/// Expect: 100-continue. Everything else goes on to YARP. It takes the destination load balancing chose as YARP does and
/// counts it in flight on the destination's <see cref="DestinationLoad"/>, which Konnect's load-aware policies add to
/// YARP's own count, so load balancing, passive health and the upstream timing around it work the same either way.
/// </summary>
internal sealed class DirectForwarderMiddleware(RequestDelegate next, DirectForwarder forwarder, UpstreamTargets targets, GatewayTracing tracing)
{
    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
        // Session affinity stamps its cookie or header with a YARP request transform; tracing sends traceparent with one.
        if (proxy is not { AvailableDestinations.Count: > 0 } || tracing.Enabled || proxy.Cluster.Config.SessionAffinity is { Enabled: true }
            || context.Features.Get<IKonnectRouteFeature>() is not MatchedRoute matched || !Covers(matched) || !Covers(context))
        {
            return next(context);
        }

        var destinations = proxy.AvailableDestinations;
        var destination = destinations.Count == 1 ? destinations[0] : destinations[Random.Shared.Next(destinations.Count)];
        // Every destination the runtime builds carries its load; one that does not is YARP's to send (and count).
        if (destination.Model?.Config is not { Host: null, Metadata: DestinationLoad load } config || targets.Get(config.Address) is not { } target)
        {
            return next(context);
        }
        return ForwardAsync(context, proxy, matched, destination, load, target);
    }

    private async Task ForwardAsync(HttpContext context, IReverseProxyFeature proxy, MatchedRoute matched, DestinationState destination, DestinationLoad load, UpstreamTarget target)
    {
        proxy.ProxiedDestination = destination;
        var path = matched.RewriteReplacement is { } replacement && matched.Matcher.MatchedPrefix is { } prefix
            ? new PathString(PrefixRewriteTransform.Rewrite(context.Request.Path.Value ?? "/", prefix, replacement))
            : context.Request.Path;
        var requestTarget = RequestTarget.Build(target, path, context.Request.QueryString);

        // Per destination only: YARP also counts per cluster, but nothing reads that count (it is internal to YARP).
        load.Enter();
        try
        {
            var (error, exception, headCopied) = await forwarder.ForwardAsync(context, target, requestTarget, matched.Route.Timeout ?? Konnect.Model.RouteModel.DefaultTimeout);
            if (error != ForwarderError.None)
            {
                Fail(context, error, exception, headCopied);
            }
        }
        finally
        {
            load.Leave();
        }
    }

    /// <summary>Whether the rule needs nothing but what this forwarder does.</summary>
    internal static bool Covers(MatchedRoute matched)
    {
        var route = matched.Route;
        var policies = matched.Policies as RoutePolicies;
        return route.Mirrors is null
            && route.Policies?.Resilience is null or { Retry: null, CircuitBreaker: null }
            && policies?.RequestTransform is null or { HasMessageEdits: false }
            && policies?.ResponseTransform is null
            && (route.Backends.Count == 0 || route.Backends[0].Protocol != UpstreamProtocol.H2c);
    }

    private static bool Covers(HttpContext context)
    {
        var request = context.Request;
        return !HttpMethods.IsConnect(request.Method)
            && context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true }
            && context.Features.Get<IHttpExtendedConnectFeature>() is not { IsExtendedConnect: true }
            && !request.Headers.ContainsKey("Expect");
    }

    /// <summary>As YARP reports a failed forward: the status, the error feature, and a broken answer cut off.</summary>
    private static void Fail(HttpContext context, ForwarderError error, Exception? exception, bool headCopied)
    {
        context.Features.Set<IForwarderErrorFeature>(new ForwardingFailure(error, exception));
        var response = context.Response;
        if (response.HasStarted)
        {
            // Part of the answer is on its way: the client must see it broken, not complete.
            context.Abort();
            return;
        }
        if (headCopied)
        {
            // The upstream's head was copied and its body then failed: the problem document must not carry its
            // Content-Length or other fields. (Headers the gateway set before forwarding go with them, but for its id.)
            response.Clear();
            RequestIdMiddleware.Stamp(context);
        }
        response.StatusCode = error switch
        {
            ForwarderError.RequestTimedOut => StatusCodes.Status504GatewayTimeout,
            ForwarderError.RequestBodyClient => RequestBodyFailure.Status(exception),
            _ => StatusCodes.Status502BadGateway,
        };
    }

    private sealed class ForwardingFailure(ForwarderError error, Exception? exception) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception { get; } = exception;
    }
}
