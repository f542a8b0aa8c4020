using System.Globalization;
using System.Text;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Policies.Caching;

/// <summary>
/// Serves and stores GET and HEAD answers of rules with a cache policy. It runs after the policy step (PolicyMiddleware),
/// so a request is authenticated and authorized before any cached answer is considered, and the consumer it was
/// identified as is part of the key: one consumer never sees another's answer, and a caller without credentials
/// gets 401 before the cache is looked at. ASP.NET's output caching was not used: its policies key and expire by
/// endpoint, while a gateway keys by host, consumer and the upstream's own Cache-Control and Vary.
/// </summary>
/// <remarks>
/// Request Cache-Control (no-cache, max-age=0) is deliberately ignored: the cache protects the upstream, and any client
/// could otherwise force every request through. Concurrent misses of one key all go upstream (no request coalescing).
/// </remarks>
internal sealed partial class ResponseCacheMiddleware(RequestDelegate next, ResponseCache cache, ILogger<ResponseCacheMiddleware> logger)
{
    public const string CacheHeader = "x-cache";

    // Not replayed: per-request (request id, date, age), framing (recomputed) or the cache's own marker.
    private static readonly HashSet<string> Unstored = new(StringComparer.OrdinalIgnoreCase)
    {
        "x-request-id", CacheHeader, HeaderNames.Age, HeaderNames.Date, HeaderNames.Connection, HeaderNames.TransferEncoding,
        HeaderNames.KeepAlive, HeaderNames.ContentLength,
    };

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IKonnectRouteFeature>() is not MatchedRoute { Policies: ICachePolicies { Cache: { } rule } policies } matched)
        {
            return next(context);
        }
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return next(context);
        }
        // Without Konnect's authentication the key cannot tell callers apart, and an Authorization header means the
        // upstream answers per caller (RFC 9111 3.5): such requests are never served from or stored in the cache.
        if (!policies.Authenticates && request.Headers.Authorization.Count > 0)
        {
            context.Response.Headers[CacheHeader] = "MISS";
            return next(context);
        }

        var primary = PrimaryKey(request, matched.RouteId, rule);
        var key = cache.Get<VaryRecord>(primary + "\nvary") is { } vary ? primary + Values(request, vary.Headers) : primary;
        if (cache.Get<CachedResponse>(key) is { } hit)
        {
            return ServeAsync(context, hit);
        }
        return MissAsync(context, rule, primary);
    }

    private async Task ServeAsync(HttpContext context, CachedResponse hit)
    {
        var response = context.Response;
        response.StatusCode = hit.Status;
        foreach (var (name, values) in hit.Headers) { response.Headers[name] = values; }
        response.Headers[CacheHeader] = "HIT";
        var age = (long)Math.Max(0, (cache.Time.GetUtcNow() - hit.Stored).TotalSeconds);
        response.Headers.Age = age.ToString(CultureInfo.InvariantCulture);
        if (hit.ContentLength is { } length) { response.ContentLength = length; }
        if (!HttpMethods.IsHead(context.Request.Method) && hit.Body.Length > 0)
        {
            await response.Body.WriteAsync(hit.Body, context.RequestAborted);
        }
    }

    private async Task MissAsync(HttpContext context, CacheRule rule, string primary)
    {
        var response = context.Response;
        var capture = new CaptureStream(response.Body, rule.MaxBodySize);
        var head = new HeadSnapshot(rule);
        // Registered after CORS's callback, so it runs before it (ASP.NET runs them last-first): the stored headers
        // are the upstream's, and each hit is decorated for its own Origin.
        response.OnStarting(static state =>
        {
            var (ctx, snapshot) = ((HttpContext, HeadSnapshot))state;
            snapshot.Take(ctx.Response);
            return Task.CompletedTask;
        }, (context, head));
        response.Body = capture;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = capture.Inner;
        }
        if (!response.HasStarted) { head.Take(response); }

        if (context.RequestAborted.IsCancellationRequested || context.Features.Get<IForwarderErrorFeature>() is not null) { return; }
        if (capture.Captured is not { } body) { LogSkipped(logger, context.TraceIdentifier, $"the body is larger than maxBodySize {rule.MaxBodySize}"); return; }
        if (head.Headers is null || head.Freshness is not { } ttl) { LogSkipped(logger, context.TraceIdentifier, head.Why ?? "no answer"); return; }
        var isHead = HttpMethods.IsHead(context.Request.Method);
        if (!isHead && head.ContentLength is { } announced && announced != body.Length) { return; }

        var now = cache.Time.GetUtcNow();
        var entry = new CachedResponse(head.Status, head.Headers, body, isHead ? head.ContentLength : body.Length, now, now + ttl);
        var key = primary;
        if (head.Vary.Length > 0)
        {
            cache.Set(primary + "\nvary", new VaryRecord(head.Vary, now + ttl));
            key = primary + Values(context.Request, head.Vary);
        }
        cache.Set(key, entry);
    }

    /// <summary>The answer's status and headers as the upstream (and response transforms) left them, before CORS decoration.</summary>
    private sealed class HeadSnapshot(CacheRule rule)
    {
        public int Status { get; private set; }
        public KeyValuePair<string, string[]>[]? Headers { get; private set; }
        public long? ContentLength { get; private set; }
        public string[] Vary { get; private set; } = [];
        public TimeSpan? Freshness { get; private set; }
        public string? Why { get; private set; }

        public void Take(HttpResponse response)
        {
            if (Headers is not null) { return; }
            Status = response.StatusCode;
            ContentLength = response.ContentLength;
            Freshness = rule.Freshness(response, out var why);
            Why = why;
            Vary = CacheRule.VaryHeaders(response.Headers.Vary);
            Headers = response.Headers.Where(h => !Unstored.Contains(h.Key))
                .Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.ToArray()!)).ToArray();
            response.Headers[CacheHeader] = "MISS";
        }
    }

    private static string PrimaryKey(HttpRequest request, string routeId, CacheRule rule)
    {
        var key = new StringBuilder(128)
            .Append(routeId).Append('\n')
            .Append(request.Method).Append('\n')
            .Append(request.Host.Value?.ToLowerInvariant()).Append('\n')
            .Append(request.PathBase.Value).Append(request.Path.Value).Append('\n')
            .Append(request.QueryString.Value).Append('\n')
            // Set by PolicyMiddleware from the authenticated identity; a client-sent copy was removed before.
            .Append(request.Headers[ConsumerIdentity.Header].ToString());
        if (rule.VaryBy.Length > 0) { key.Append(Values(request, rule.VaryBy)); }
        return key.ToString();
    }

    private static string Values(HttpRequest request, string[] headers)
    {
        var key = new StringBuilder();
        foreach (var name in headers) { key.Append('\n').Append(name).Append(':').Append(request.Headers[name].ToString()); }
        return key.ToString();
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "Request {RequestId}: answer not cached: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string requestId, string reason);
}
