using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Transforms;

namespace Konnect.Gateway.Policies.Transforms;

/// <summary>
/// The requestTransform block's header, path and query edits, as one YARP request transform added to every route.
/// It reads the matched rule's compiled block at request time (like the prefix rewrite), so a policy change needs no
/// new YARP route. It runs after rewrite.pathPrefix: addPrefix goes in front of the rewritten path.
/// </summary>
internal sealed class PolicyRequestTransform : RequestTransform
{
    public static readonly PolicyRequestTransform Instance = new();

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (context.HttpContext.Features.Get<IKonnectRouteFeature>() is not MatchedRoute { Policies: ITransformPolicies { RequestTransform: { HasMessageEdits: true } rule } })
        {
            return ValueTask.CompletedTask;
        }
        foreach (var name in rule.RemoveHeaders) { RemoveHeader(context, name); }
        foreach (var (name, value) in rule.SetHeaders)
        {
            RemoveHeader(context, name);
            AddHeader(context, name, value);
        }
        foreach (var (name, value) in rule.AddHeaders) { AddHeader(context, name, value); }

        if (rule.SetPath is { } path) { context.Path = path; }
        else if (rule.AddPathPrefix is { } prefix) { context.Path = prefix.Add(context.Path); }

        foreach (var name in rule.RemoveQuery) { context.Query.Collection.Remove(name); }
        foreach (var (name, value) in rule.SetQuery) { context.Query.Collection[name] = value; }
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The responseTransform block: header edits on the answer YARP copied, then the JSON body edit. Added last to every
/// route, because a body edit writes the answer (and so sends its headers).
/// </summary>
internal sealed partial class PolicyResponseTransform : ResponseTransform
{
    public static readonly PolicyResponseTransform Instance = new();

    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        if (context.ProxyResponse is null
            || context.HttpContext.Features.Get<IKonnectRouteFeature>() is not MatchedRoute { Policies: ITransformPolicies { ResponseTransform: { } rule } })
        {
            return;
        }
        var headers = context.HttpContext.Response.Headers;
        foreach (var name in rule.RemoveHeaders) { headers.Remove(name); }
        foreach (var (name, value) in rule.SetHeaders) { headers[name] = value; }
        foreach (var (name, value) in rule.AddHeaders) { headers.Append(name, value); }

        if (rule.JsonBody is { } edit)
        {
            await EditBodyAsync(context, edit, rule.Policy);
        }
    }

    private static async Task EditBodyAsync(ResponseTransformContext context, JsonBodyEdit edit, string policy)
    {
        var http = context.HttpContext;
        var response = http.Response;
        var content = context.ProxyResponse!.Content;
        if (HttpMethods.IsHead(http.Request.Method) || response.StatusCode is 204 or 304) { return; }
        var logger = http.RequestServices.GetRequiredService<ILogger<PolicyResponseTransform>>();
        var why = !JsonBodyEdit.IsJson(content.Headers.ContentType?.ToString()) ? $"Content-Type {content.Headers.ContentType?.MediaType ?? "(none)"} is not JSON"
            : content.Headers.ContentEncoding.Count > 0 ? $"the body is encoded ({string.Join(",", content.Headers.ContentEncoding)})"
            : content.Headers.ContentLength > edit.MaxSize ? $"the body is larger than maxSize {edit.MaxSize}"
            : null;
        if (why is not null)
        {
            LogSkipped(logger, http.TraceIdentifier, policy, why);
            return;
        }

        var upstream = await content.ReadAsStreamAsync(http.RequestAborted);
        var (body, complete) = await BoundedReader.ReadAsync(upstream, edit.MaxSize, http.RequestAborted);
        // From here the gateway writes the body itself: YARP must not copy what is left of the stream.
        context.SuppressResponseBody = true;
        if (!complete)
        {
            LogSkipped(logger, http.TraceIdentifier, policy, $"the body is larger than maxSize {edit.MaxSize}");
            await response.Body.WriteAsync(body, http.RequestAborted);
            await upstream.CopyToAsync(response.Body, http.RequestAborted);
            return;
        }
        var edited = edit.Apply(body, out why);
        if (edited is null) { LogSkipped(logger, http.TraceIdentifier, policy, why!); }
        var output = edited ?? body.ToArray();
        response.ContentLength = output.Length;
        await response.Body.WriteAsync(output, http.RequestAborted);
    }

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Request {RequestId}: responseTransform.jsonBody of KonnectPolicy {Policy} skipped: {Reason}; the body passes unchanged")]
    private static partial void LogSkipped(ILogger logger, string requestId, string policy, string reason);
}
