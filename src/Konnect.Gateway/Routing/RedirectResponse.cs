using System.Globalization;
using Konnect.Model;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Routing;

/// <summary>
/// A rule's redirect, as the Gateway API's RequestRedirect filter defines it: each part of the Location the redirect
/// does not set is the request's; with a new scheme and no port, the scheme's own port (left out); the query is kept.
/// The response has no body.
/// </summary>
internal static class RedirectResponse
{
    public static Task WriteAsync(HttpContext context, MatchedRoute match, RedirectModel redirect)
    {
        var request = context.Request;
        var scheme = redirect.Scheme ?? request.Scheme;
        var host = redirect.Hostname ?? request.Host.Host;
        int? port = redirect.Port ?? (redirect.Scheme is not null ? null : request.Host.Port);
        // The path as the client sent it (still escaped): decoded, "%3F" would become a query and "%0A" a broken header.
        var requestPath = request.Path.HasValue ? request.Path.ToUriComponent() : "/";
        var path = redirect.FullPath ?? (redirect.PrefixReplacement is { } replacement ? ReplacePrefix(requestPath, match.Match, replacement) : requestPath);
        var defaultPort = scheme == "https" ? 443 : 80;
        var authority = port is { } p && p != defaultPort ? $"{host}:{p.ToString(CultureInfo.InvariantCulture)}" : host;
        context.Response.StatusCode = redirect.StatusCode;
        context.Response.Headers.Location = $"{scheme}://{authority}{path}{request.QueryString.Value}";
        return Task.CompletedTask;
    }

    /// <summary>The request path with the PathPrefix the match matched replaced (by path element, as it matched).</summary>
    private static string ReplacePrefix(string path, MatchModel match, string replacement)
    {
        if (match.PathKind != PathKind.PathPrefix) { return path; }
        var prefix = match.Path == "/" ? "" : match.Path;
        var rest = path.Length >= prefix.Length ? path[prefix.Length..] : "";
        var head = replacement.TrimEnd('/');
        if (rest.Length == 0) { return head.Length == 0 ? "/" : replacement == "/" ? "/" : head; }
        return head + (rest.StartsWith('/') ? rest : "/" + rest);
    }
}
