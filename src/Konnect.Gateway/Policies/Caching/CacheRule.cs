using Konnect.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Konnect.Gateway.Policies.Caching;

/// <summary>A rule's cache block, compiled once per applied model, and the storage decision it makes for an answer.</summary>
internal sealed class CacheRule
{
    // RFC 9110 15.1: the status codes that are "heuristically cacheable". Anything else (206 partial content, 5xx,
    // redirects that depend on the request) is passed through uncached.
    private static readonly int[] CacheableStatuses = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501];

    private CacheRule(CacheModel model)
    {
        Policy = model.Policy;
        Ttl = model.Ttl;
        MaxBodySize = model.MaxBodySize;
        CacheSetCookie = model.CacheSetCookie;
        VaryBy = [.. model.VaryBy];
    }

    public string Policy { get; }

    public TimeSpan Ttl { get; }

    public long MaxBodySize { get; }

    public bool CacheSetCookie { get; }

    /// <summary>Lower-case request headers always part of the key.</summary>
    public string[] VaryBy { get; }

    public static CacheRule Compile(CacheModel model) => new(model);

    /// <summary>
    /// How long <paramref name="response"/> may be served from the cache, or null (with the reason) when it must not be
    /// stored. A shared cache reads s-maxage before max-age (RFC 9111 5.2.2.10), and the shorter of that and ttl wins.
    /// </summary>
    public TimeSpan? Freshness(HttpResponse response, out string? why)
    {
        why = null;
        if (Array.IndexOf(CacheableStatuses, response.StatusCode) < 0) { why = $"status {response.StatusCode} is not cacheable"; return null; }
        var headers = response.Headers;
        if (!CacheSetCookie && headers.SetCookie.Count > 0) { why = "the answer sets a cookie"; return null; }
        if (HasStar(headers.Vary)) { why = "Vary: *"; return null; }
        var ttl = Ttl;
        if (headers.CacheControl.Count > 0)
        {
            if (!CacheControlHeaderValue.TryParse(headers.CacheControl.ToString(), out var control)) { why = "Cache-Control does not parse"; return null; }
            // no-cache would need revalidation on every use, which this cache does not do: it is treated as no-store.
            if (control.NoStore || control.NoCache) { why = "Cache-Control forbids storing"; return null; }
            // private: the answer is meant for one user's cache, never a shared one, even when keyed by consumer.
            if (control.Private) { why = "Cache-Control: private"; return null; }
            if ((control.SharedMaxAge ?? control.MaxAge) is { } maxAge && maxAge < ttl) { ttl = maxAge; }
        }
        if (ttl <= TimeSpan.Zero) { why = "max-age is 0"; return null; }
        return ttl;
    }

    public static bool HasStar(StringValues vary)
    {
        foreach (var value in vary)
        {
            foreach (var name in (value ?? "").Split(',', StringSplitOptions.TrimEntries))
            {
                if (name == "*") { return true; }
            }
        }
        return false;
    }

    /// <summary>The lower-case request headers the upstream named in Vary, sorted; empty when none.</summary>
    public static string[] VaryHeaders(StringValues vary)
    {
        if (vary.Count == 0) { return []; }
        return vary.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(n => n.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }
}
