using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Transforms;

namespace Konnect.Gateway.Routing;

/// <summary>
/// Gateway API ReplacePrefixMatch: the part of the path the rule matched is replaced, the rest is kept
/// ("/orders/1" under prefix "/orders" becomes "/1" with "/" and "/v2/1" with "/v2"). The query string is untouched.
/// Part of routing: what it replaces is what the rule's match claimed, which only the matched route knows.
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
