using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Konnect.Gateway.Routing;

/// <summary>
/// Makes the path Konnect matches the same path the upstream will act on, so no spelling of a protected path can
/// slip past the route that protects it. Kestrel has already percent-decoded the path (all but %2F) and removed
/// "." and ".." segments; on top of that:
/// <list type="bullet">
/// <item>runs of slashes become one ("//admin" is "/admin"), and the upstream receives the merged path;</item>
/// <item>an encoded slash or backslash (%2F, %5C) or a raw backslash is refused with 400: upstreams disagree on
/// whether it separates segments, so no answer would be safe;</item>
/// <item>";" parameters ("/admin;jsessionid=1") are ignored for matching, as servlet containers ignore them, but
/// still sent upstream; a segment that is "." or ".." without its parameters ("..;") is refused with 400, and so
/// are parameters on a rule that rewrites its prefix (the rewrite could not tell where the prefix ends).</item>
/// </list>
/// Matching stays case-sensitive, as Gateway API defines it.
/// </summary>
internal static class PathNormalizer
{
    /// <summary>Normalises the request's path in place; returns the path to match, or null when the request must be refused.</summary>
    public static string? Normalize(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is not null && HasEncodedSlash(raw))
        {
            return null;
        }

        var path = context.Request.Path.Value is { Length: > 0 } p ? p : "/";
        if (path.Contains('\\', StringComparison.Ordinal))
        {
            return null;
        }

        if (path.Contains("//", StringComparison.Ordinal))
        {
            path = MergeSlashes(path);
            context.Request.Path = new PathString(path);
        }

        if (!path.Contains(';', StringComparison.Ordinal))
        {
            return path;
        }

        // "/public/..;/admin": Kestrel keeps "..;" (not a dot segment), but servlet containers read it as "..".
        // A segment that becomes "." or ".." once its parameters are gone is refused, whatever the route.
        var matched = WithoutParameters(path);
        return HasDotSegment(matched) ? null : matched;
    }

    private static bool HasDotSegment(string path)
    {
        foreach (var segment in path.Split('/'))
        {
            if (segment is "." or "..") { return true; }
        }

        return false;
    }

    private static bool HasEncodedSlash(string rawTarget)
    {
        var end = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var target = end < 0 ? rawTarget.AsSpan() : rawTarget.AsSpan(0, end);
        for (var i = 0; i + 2 < target.Length; i++)
        {
            if (target[i] == '%' && (target.Slice(i + 1, 2).Equals("2f", StringComparison.OrdinalIgnoreCase)
                || target.Slice(i + 1, 2).Equals("5c", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private static string MergeSlashes(string path)
    {
        var builder = new System.Text.StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c != '/' || builder.Length == 0 || builder[^1] != '/') { builder.Append(c); }
        }

        return builder.ToString();
    }

    private static string WithoutParameters(string path)
    {
        var builder = new System.Text.StringBuilder(path.Length);
        var skipping = false;
        foreach (var c in path)
        {
            if (c == '/') { skipping = false; }
            else if (c == ';') { skipping = true; }
            if (!skipping) { builder.Append(c); }
        }

        return builder.ToString();
    }
}
