using Konnect.Gateway.RequestIds;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Konnect.Gateway.Yarp;

/// <summary>Adds Konnect's transforms to every YARP route built from the model.</summary>
internal sealed class KonnectTransformProvider(Tracing.GatewayTracing tracing, Mirroring.RequestMirror mirror) : ITransformProvider
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
            context.RequestTransforms.Add(Tracing.TraceContextTransform.Instance);
        }

        if (context.Route.Metadata?.TryGetValue(YarpConfigBuilder.RewritePrefixKey, out var replacement) == true)
        {
            context.RequestTransforms.Add(new PrefixRewriteTransform(replacement));
        }
        if (context.Route.Metadata?.ContainsKey(Resilience.ResilienceClusterConfig.TagBackendKey) == true)
        {
            context.RequestTransforms.Add(Resilience.BackendTagTransform.Instance);
        }
        // After the prefix rewrite; the response one last, since a JSON body edit writes (and so starts) the answer.
        context.RequestTransforms.Add(Konnect.Gateway.Policies.Transforms.PolicyRequestTransform.Instance);
        context.ResponseTransforms.Add(Konnect.Gateway.Policies.Transforms.PolicyResponseTransform.Instance);
        // Last of the request transforms: the copy carries the upstream request as every other transform left it.
        context.RequestTransforms.Add(new Mirroring.MirrorTransform(mirror));
    }
}

/// <summary>
/// Gateway API ReplacePrefixMatch: the part of the path the rule matched is replaced, the rest is kept
/// ("/orders/1" under prefix "/orders" becomes "/1" with "/" and "/v2/1" with "/v2"). The query string is untouched.
/// </summary>
internal sealed class PrefixRewriteTransform(string replacement) : RequestTransform
{
    // "/" and "/v2/" contribute "" and "/v2": the remainder always brings its own leading slash.
    private readonly string _replacement = Normalize(replacement);

    internal static string Normalize(string replacement) => replacement.TrimEnd('/');

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (context.HttpContext.Features.Get<IKonnectRouteFeature>() is MatchedRoute { Matcher.MatchedPrefix: { } prefix })
        {
            context.Path = new PathString(Rewrite(context.Path.Value ?? "/", prefix, _replacement));
        }

        return ValueTask.CompletedTask;
    }

    internal static string Rewrite(string path, string matchedPrefix, string replacement)
    {
        var kept = matchedPrefix == "/" ? path : path[Math.Min(matchedPrefix.Length, path.Length)..];
        var rewritten = string.Concat(replacement, kept);
        return rewritten.Length == 0 ? "/" : rewritten;
    }
}

/// <summary>
/// YARP appends the upstream's response headers to ours; an upstream that echoes x-request-id would otherwise give
/// the client two values. The gateway's id is the one the client must see.
/// </summary>
internal sealed class RequestIdResponseTransform : ResponseTransform
{
    public static readonly RequestIdResponseTransform Instance = new();

    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        RequestIdMiddleware.Stamp(context.HttpContext);
        return ValueTask.CompletedTask;
    }
}
