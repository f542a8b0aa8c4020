using Konnect.Gateway.Policies.Transforms;
using Konnect.Model;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Konnect.Gateway.Mirroring;

/// <summary>
/// Picks the requests of a mirrored rule that get a copy and buffers their (small) body, before YARP: the forwarder
/// takes the body stream when it builds the upstream request, so a copy of it must be taken first. Runs after the
/// policies and the cache, so a refused or cached request is never sampled.
/// </summary>
internal sealed class MirrorSamplingMiddleware(RequestDelegate next, RequestMirror mirror)
{
    /// <summary>Bodies up to this size are copied; a request with a larger or streamed body, or an upgrade, is not mirrored.</summary>
    public const int MaxBodySize = 64 * 1024;

    // Not async itself: the requests that are not sampled (nearly all) pass without a state machine of their own.
    public Task InvokeAsync(HttpContext context) =>
        context.Features.Get<IKonnectRouteFeature>()?.Route.Mirrors is not { } mirrors || Sample(mirrors) is not { } chosen
            ? next(context)
            : SampleAsync(context, chosen);

    /// <summary>The mirrors this request is copied to, each by its own percent; null (and nothing allocated) for none.</summary>
    private static List<MirrorModel>? Sample(IReadOnlyList<MirrorModel> mirrors)
    {
        List<MirrorModel>? chosen = null;
        foreach (var model in mirrors)
        {
            if (model.Backend.Endpoints.Count > 0 && model.Percent > 0 && (model.Percent >= 100 || Random.Shared.Next(100) < model.Percent))
            {
                (chosen ??= new List<MirrorModel>(mirrors.Count)).Add(model);
            }
        }
        return chosen;
    }

    private async Task SampleAsync(HttpContext context, List<MirrorModel> chosen)
    {
        var request = context.Request;
        // Without a Content-Length a body is streamed (chunked, or HTTP/2 without the header): not copied.
        var streamed = request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        if (context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true || HttpMethods.IsConnect(request.Method))
        {
            // A WebSocket (or other upgraded) exchange is a conversation, not a request that a copy can replay.
            mirror.Skipped(chosen.Count);
        }
        else if (streamed || request.ContentLength > MaxBodySize)
        {
            mirror.Skipped(chosen.Count);
        }
        else if (request.ContentLength is null or 0)
        {
            context.Features.Set(new MirrorBody(ReadOnlyMemory<byte>.Empty, chosen));
        }
        else
        {
            var (body, complete) = await BoundedReader.ReadAsync(request.Body, MaxBodySize, context.RequestAborted);
            var copy = body.ToArray();
            // The primary gets the same bytes back, framed as the client framed them (Content-Length is unchanged).
            request.Body = complete ? new MemoryStream(copy, writable: false) : new PrefixedStream(body, request.Body);
            if (complete) { context.Features.Set(new MirrorBody(copy, chosen)); }
            else { mirror.Skipped(chosen.Count); }
        }
        await next(context);
    }
}
