using Konnect.Gateway.Mirroring;
using Konnect.Gateway.Observability.RequestIds;
using Konnect.Gateway.Observability.Tracing;
using Konnect.Gateway.Policies.Transforms;
using Konnect.Gateway.Resilience;
using Konnect.Gateway.Routing;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Konnect.Gateway.Configuration;

/// <summary>
/// Adds Konnect's transforms to every YARP route built from the model. Each stage owns its transform (routing the
/// prefix rewrite, resilience the request's context, tracing the trace context...); this is where they are put in order.
/// </summary>
internal sealed class KonnectTransformProvider(GatewayTracing tracing, RequestMirror mirror) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
        if (context.Route.Metadata?.TryGetValue(YarpConfigBuilder.RewritePrefixKey, out var replacement) == true
            && !replacement.StartsWith('/'))
        {
            context.Errors.Add(new ArgumentException(
                $"Route '{context.Route.RouteId}': rewrite.pathPrefix '{replacement}' must start with '/'."));
        }
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.ResponseTransforms.Add(RequestIdResponseTransform.Instance);
        if (tracing.Enabled)
        {
            context.RequestTransforms.Add(TraceContextTransform.Instance);
        }

        if (context.Route.Metadata?.TryGetValue(YarpConfigBuilder.RewritePrefixKey, out var replacement) == true)
        {
            context.RequestTransforms.Add(new PrefixRewriteTransform(replacement));
        }
        if (context.Route.Metadata?.ContainsKey(ResilienceContextTransform.ResilienceKey) == true)
        {
            context.RequestTransforms.Add(ResilienceContextTransform.Instance);
        }
        // After the prefix rewrite; the response one last, since a JSON body edit writes (and so starts) the answer.
        context.RequestTransforms.Add(PolicyRequestTransform.Instance);
        context.ResponseTransforms.Add(PolicyResponseTransform.Instance);
        // Last of the request transforms: the copy carries the upstream request as every other transform left it.
        context.RequestTransforms.Add(new MirrorTransform(mirror));
    }
}
