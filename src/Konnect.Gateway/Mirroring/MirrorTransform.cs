using Konnect.Model;
using Yarp.ReverseProxy.Transforms;

namespace Konnect.Gateway.Mirroring;

/// <summary>
/// The last request transform: the upstream request is complete (path after rewrite, query, headers after the
/// policies' edits and identity headers), so each copy carries exactly what the primary upstream gets.
/// </summary>
internal sealed class MirrorTransform(RequestMirror mirror) : RequestTransform
{
    // Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection; YARP drops them already, this keeps the copy honest.
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host",
    };

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (context.HttpContext.Features.Get<MirrorBody>() is not { } body) { return ValueTask.CompletedTask; }
        // One message per mirror: an HttpRequestMessage is sent once.
        foreach (var model in body.Mirrors) { mirror.Start(model, Copy(context, model, body.Body)); }
        return ValueTask.CompletedTask;
    }

    private static HttpRequestMessage Copy(RequestTransformContext context, MirrorModel model, ReadOnlyMemory<byte> body)
    {
        var endpoints = model.Backend.Endpoints;
        var endpoint = endpoints[endpoints.Count == 1 ? 0 : Random.Shared.Next(endpoints.Count)];
        var path = context.Path.HasValue ? context.Path.ToUriComponent() : "/";
        var copy = new HttpRequestMessage(new HttpMethod(context.HttpContext.Request.Method),
            new Uri(endpoint.TrimEnd('/') + path + context.Query.QueryString.ToUriComponent(), UriKind.Absolute));
        foreach (var header in context.ProxyRequest.Headers)
        {
            if (!HopByHop.Contains(header.Key)) { copy.Headers.TryAddWithoutValidation(header.Key, header.Value); }
        }
        if (body.Length > 0)
        {
            copy.Content = new ReadOnlyMemoryContent(body);
            foreach (var header in context.ProxyRequest.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
        }
        // Replaces any value the client sent, so the mirror can trust the marker.
        copy.Headers.Remove(RequestMirror.MirrorHeader);
        copy.Headers.TryAddWithoutValidation(RequestMirror.MirrorHeader, "true");
        return copy;
    }
}
