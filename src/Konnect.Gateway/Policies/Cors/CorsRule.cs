using Konnect.Model;
using Microsoft.Extensions.Primitives;

namespace Konnect.Gateway.Policies.Cors;

/// <summary>
/// A compiled cors block: origin sets and every header value built once per model, so answering a preflight or
/// decorating a response allocates nothing beyond the headers themselves.
/// </summary>
internal sealed class CorsRule
{
    private readonly HashSet<string> _exactOrigins;
    // "https://*.example.com" → ("https://", ".example.com"): any non-empty host labels before the suffix.
    private readonly (string Scheme, string Suffix)[] _wildcards;
    private readonly bool _anyOrigin;
    private readonly HashSet<string> _methods;
    private readonly HashSet<string> _headers;

    private CorsRule(CorsModel model)
    {
        Policy = model.Policy;
        _anyOrigin = model.AllowOrigins.Contains("*");
        _exactOrigins = new(model.AllowOrigins.Where(o => o != "*" && !o.Contains("://*.", StringComparison.Ordinal)), StringComparer.OrdinalIgnoreCase);
        _wildcards = model.AllowOrigins.Where(o => o.Contains("://*.", StringComparison.Ordinal))
            .Select(o => { var i = o.IndexOf("://*.", StringComparison.Ordinal); return (o[..(i + 3)], o[(i + 4)..]); }).ToArray();
        _methods = new(model.AllowMethods, StringComparer.Ordinal);
        AnyHeader = model.AllowHeaders.Contains("*");
        _headers = new(model.AllowHeaders.Where(h => h != "*"), StringComparer.OrdinalIgnoreCase);
        AllowMethods = string.Join(", ", model.AllowMethods);
        AllowHeaders = string.Join(", ", model.AllowHeaders.Where(h => h != "*"));
        ExposeHeaders = string.Join(", ", model.ExposeHeaders);
        AllowCredentials = model.AllowCredentials;
        MaxAge = model.MaxAgeSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Policy { get; }
    public string AllowMethods { get; }
    public bool AnyHeader { get; }
    public string AllowHeaders { get; }
    public string ExposeHeaders { get; }
    public bool AllowCredentials { get; }
    public string? MaxAge { get; }

    public static CorsRule Compile(CorsModel model) => new(model);

    public bool IsOriginAllowed(string origin)
    {
        if (_anyOrigin || _exactOrigins.Contains(origin)) { return true; }
        foreach (var (scheme, suffix) in _wildcards)
        {
            if (origin.Length > scheme.Length + suffix.Length
                && origin.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                && origin.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && IsHostLabels(origin.AsSpan(scheme.Length, origin.Length - scheme.Length - suffix.Length)))
            {
                return true;
            }
        }

        return false;
    }

    public bool IsMethodAllowed(string method) => _methods.Contains(method);

    /// <summary>Checks a preflight's Access-Control-Request-Headers (comma-separated, any case) against the list.</summary>
    public bool AreHeadersAllowed(StringValues requested)
    {
        if (AnyHeader) { return true; }
        foreach (var value in requested)
        {
            var text = value.AsSpan();
            foreach (var range in text.Split(','))
            {
                var name = text[range].Trim();
                if (name.IsEmpty) { continue; }
                if (!_headers.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name)) { return false; }
            }
        }

        return true;
    }

    // The part a wildcard stands for must be host labels only: no port, path, user info or empty label.
    private static bool IsHostLabels(ReadOnlySpan<char> labels)
    {
        if (labels[0] == '.' || labels[^1] == '.') { return false; }
        foreach (var c in labels)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.')) { return false; }
        }

        return !labels.Contains("..", StringComparison.Ordinal);
    }
}
