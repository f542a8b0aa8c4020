using System.Net;
using System.Text.RegularExpressions;
using Konnect.Api;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Validates and normalises the enforced blocks (ipAccess, cors). The first problem is reported with the field and
/// value, so the status says exactly what to fix; folder mode has no API-server schema check, so nothing here relies on it.
/// </summary>
internal static partial class PolicyBlockCompiler
{
    private static readonly string[] DefaultMethods = ["GET", "HEAD", "POST"];

    public static string? TryCompileIpAccess(string policy, IpAccessPolicy block, out IpAccessModel? model)
    {
        model = null;
        if (ParseRanges(block.Allow, "spec.ipAccess.allow", out var allow) is { } e1) { return e1; }
        if (ParseRanges(block.Deny, "spec.ipAccess.deny", out var deny) is { } e2) { return e2; }
        if (ParseRanges(block.TrustedProxies, "spec.ipAccess.trustedProxies", out var trusted) is { } e3) { return e3; }
        var header = block.ForwardedHeader ?? "X-Forwarded-For";
        if (!HeaderName().IsMatch(header)) { return $"spec.ipAccess.forwardedHeader: \"{header}\" is not a header name"; }
        model = new IpAccessModel { Policy = policy, Allow = allow, Deny = deny, TrustedProxies = trusted, ForwardedHeader = header };
        return null;
    }

    public static string? TryCompileCors(string policy, CorsPolicy block, out CorsModel? model)
    {
        model = null;
        var origins = new List<string>();
        for (var i = 0; i < block.AllowOrigins.Count; i++)
        {
            var origin = block.AllowOrigins[i];
            if (!Origin().IsMatch(origin)) { return $"spec.cors.allowOrigins[{i}]: \"{origin}\" is not an origin; use https://app.example.com, https://*.example.com or \"*\""; }
            origins.Add(origin.ToLowerInvariant());
        }
        if (origins.Count == 0) { return "spec.cors.allowOrigins: at least one origin is required"; }
        if (block.AllowCredentials && origins.Contains("*"))
        {
            return "spec.cors: allowOrigins \"*\" cannot be combined with allowCredentials (browsers refuse it); list the origins instead";
        }

        if (Headers(block.AllowHeaders, "spec.cors.allowHeaders", allowStar: true, out var allowHeaders) is { } e1) { return e1; }
        if (Headers(block.ExposeHeaders, "spec.cors.exposeHeaders", allowStar: false, out var exposeHeaders) is { } e2) { return e2; }

        int? maxAge = null;
        if (block.MaxAge is { } text)
        {
            if (!Duration.TryParse(text, out var value)) { return $"spec.cors.maxAge: \"{text}\" is not a duration such as 10m or 1h"; }
            maxAge = (int)Math.Min(value.TotalSeconds, int.MaxValue);
        }

        var methods = block.AllowMethods is { Count: > 0 } m ? m.Select(x => x.ToString()).ToArray() : DefaultMethods;
        model = new CorsModel
        {
            Policy = policy,
            AllowOrigins = origins.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            AllowMethods = methods.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            AllowHeaders = allowHeaders,
            ExposeHeaders = exposeHeaders,
            AllowCredentials = block.AllowCredentials,
            MaxAgeSeconds = maxAge,
        };
        return null;
    }

    /// <summary>Parses "a.b.c.d", "a.b.c.d/n" or IPv6 forms into normalised CIDR text; IPv4-mapped IPv6 becomes IPv4.</summary>
    public static string? ParseRanges(List<string>? entries, string field, out string[] ranges)
    {
        ranges = [];
        if (entries is null) { return null; }
        var result = new List<string>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            if (TryParseRange(entries[i], out var network, out var why)) { result.Add(network.ToString()); }
            else { return $"{field}[{i}]: \"{entries[i]}\" {why}"; }
        }
        ranges = result.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return null;
    }

    public static bool TryParseRange(string text, out IPNetwork network, out string why)
    {
        network = default;
        why = "is not an IP address or CIDR range";
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%')) { return false; }
        var max = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix > max))
        {
            why = $"has a prefix length outside 0-{max}";
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            if (prefix < 96) { why = "is an IPv4-mapped range shorter than /96"; return false; }
            address = address.MapToIPv4();
            prefix -= 96;
        }
        // A range with host bits set ("10.0.0.1/8") is usually a typo for one address; refuse rather than guess.
        if (!IPNetwork.TryParse($"{address}/{prefix}", out network) || !network.BaseAddress.Equals(address))
        {
            why = "has bits set after the prefix length; write the network address (e.g. 10.0.0.0/8)";
            return false;
        }
        return true;
    }

    private static string? Headers(List<string>? entries, string field, bool allowStar, out string[] headers)
    {
        headers = [];
        if (entries is null) { return null; }
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] == "*" && allowStar) { continue; }
            if (!HeaderName().IsMatch(entries[i]) || entries[i] == "*") { return $"{field}[{i}]: \"{entries[i]}\" is not a header name"; }
        }
        headers = entries.Select(h => h.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return null;
    }

    [GeneratedRegex(IpAccessPolicy.HeaderNamePattern)]
    private static partial Regex HeaderName();

    [GeneratedRegex(CorsPolicy.OriginPattern, RegexOptions.IgnoreCase)]
    private static partial Regex Origin();
}
