using Konnect.Gateway.Ai;
using Konnect.Gateway.Errors;
using Konnect.Gateway.Forwarding;
using Konnect.Gateway.Lifecycle;
using Konnect.Gateway.Management;
using Konnect.Gateway.Mirroring;
using Konnect.Gateway.Observability;
using Konnect.Gateway.Observability.Metrics;
using Konnect.Gateway.Observability.RequestIds;
using Konnect.Gateway.Observability.Tracing;
using Konnect.Gateway.Policies;
using Konnect.Gateway.Policies.Caching;
using Konnect.Gateway.Policies.Transforms;
using Konnect.Gateway.Routing;
using Konnect.Gateway.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Hosting;

public static class GatewayApplicationBuilderExtensions
{
    /// <summary>
    /// Builds the request pipeline: request id, metrics and access log, last-resort error handler, admin branch, Konnect's router, the rule's
    /// policies, then
    /// ASP.NET routing (which skips its own matching because the router has set the endpoint) and YARP's pipeline.
    /// </summary>
    public static WebApplication UseKonnectGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // WebApplication puts UseAuthorization in front of the pipeline when authorization services exist (YARP registers
        // them). Konnect enforces its own policies and gives YARP routes no authorization policy, so that step would only
        // cost an async hop per request; this is the marker UseAuthorization itself leaves to say it is in place.
        ((IApplicationBuilder)app).Properties["__AuthorizationMiddlewareSet"] = true;
        var options = app.Services.GetRequiredService<GatewayOptions>();
        // The meter bridge listens from now on, before any hosted service (the reconciler, the watches) records its first
        // measurement.
        app.Services.GetRequiredService<GatewayMetrics>();
        var observed = TelemetryMiddleware.IsNeeded(options, app.Services.GetRequiredService<GatewayTracing>());
        app.UseMiddleware<RequestIdMiddleware>();
        // Outside the last-resort handler, so a request that failed is counted and logged with the 500 it got.
        if (observed) { app.UseMiddleware<TelemetryMiddleware>(); }
        app.UseMiddleware<LastResortMiddleware>();
        // First of the steps that answer: an ambiguous or oversized request is refused before any other step reads it.
        app.UseMiddleware<RequestFramingMiddleware>();
        app.UseMiddleware<AdminEndpoints>();
        // Its own listener, like admin: only with the portal on does a traffic request pay for the port check.
        if (!string.IsNullOrWhiteSpace(options.PortalUrls)) { app.UseMiddleware<Portal.PortalEndpoints>(); }
        // Per host, before routing: a redirect or HSTS covers the host's 404s and 503s too.
        app.UseMiddleware<HttpsRedirectMiddleware>();
        app.UseMiddleware<KonnectRouter>();
        // Policies run on the matched rule and before YARP, so a refused request or a preflight never goes upstream.
        app.UseMiddleware<PolicyMiddleware>();
        // After the policies (the caller is known), before anything that answers for the upstream: a retired version's 410.
        app.UseMiddleware<ApiLifecycleMiddleware>(TimeProvider.System);
        // After the policies (the caller is known, authorized and within its request limit); an AI rule's call ends here.
        app.UseMiddleware<AiMiddleware>();
        // After authentication (a cached answer is only served to a caller who may see it, keyed by consumer).
        app.UseMiddleware<ResponseCacheMiddleware>();
        // After the cache: a body edit belongs to a request that really goes upstream.
        app.UseMiddleware<RequestBodyTransformMiddleware>();
        // Around the upstream exchange alone (the gateway's own steps above are not the upstream's time).
        app.UseMiddleware<RequestDeadlineMiddleware>();
        // After the body edit: a mirror copy carries what the upstream gets, and only for requests that go upstream.
        app.UseMiddleware<MirrorSamplingMiddleware>();
        // Explicit, so WebApplication does not put routing (and its matcher) in front of Konnect's router.
        app.UseRouting();

        var dataSources = ((IEndpointRouteBuilder)app).DataSources;
        var existing = dataSources.ToHashSet();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ForwarderErrorMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
            // Last, so it times the upstream exchange alone and sees the destination the load balancer chose.
            if (observed) { proxy.UseMiddleware<UpstreamTimingMiddleware>(); }
            // In place of YARP's forwarding step for what Konnect's HTTP/1.1 forwarder covers (the rest goes on to YARP).
            if (options.Forwarder == ForwarderKind.Konnect)
            {
                proxy.UseMiddleware<DirectForwarderMiddleware>();
            }
        });

        // YARP's data source holds only the anchor route's endpoint, whose request delegate is YARP's proxy pipeline;
        // reading it directly (instead of the composite in DI, filled only when the pipeline is built) also works for a
        // model published before the host starts.
        var yarpEndpoints = dataSources.Single(d => !existing.Contains(d));
        app.Services.GetRequiredService<GatewayConfigPublisher>().AttachPipeline(yarpEndpoints);
        return app;
    }
}
