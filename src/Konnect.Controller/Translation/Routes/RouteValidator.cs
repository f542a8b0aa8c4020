using System.Text.RegularExpressions;
using Konnect.Api;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// Checks what the CRD schema checks (folder mode has no API server to do it) plus what a schema cannot:
/// regexes that compile under NonBacktracking, urls that parse. Returns the first problem, so the message is short.
/// </summary>
internal static partial class RouteValidator
{
    private static readonly Regex Hostname = new(KonnectGroup.HostnamePattern, RegexOptions.CultureInvariant);
    private static readonly Regex HeaderName = new("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", RegexOptions.CultureInvariant);

    public static RouteProblem? Validate(KonnectRouteSpec spec)
    {
        var hosts = spec.Hosts ?? [];
        for (var i = 0; i < hosts.Count; i++)
        {
            if (hosts[i] is not { Length: > 0 and <= 253 } host || !Hostname.IsMatch(host))
            {
                return new(Reasons.InvalidHost, $"spec.hosts[{i}]: \"{hosts[i]}\" is not a host name; use lower-case DNS names such as api.example.com or *.example.com");
            }
        }
        if (spec.Rules is not { Count: > 0 })
        {
            return new(Reasons.InvalidSpec, "spec.rules: at least one rule is required");
        }
        for (var r = 0; r < spec.Rules.Count; r++)
        {
            if (ValidateRule(spec.Rules[r], $"spec.rules[{r}]") is { } problem) { return problem; }
        }
        return RouteApiCompiler.Validate(spec.Api) ?? Tls.TlsValidator.Validate(spec);
    }

    private static RouteProblem? ValidateRule(RouteRule rule, string at)
    {
        var matches = rule.Matches ?? [];
        for (var m = 0; m < matches.Count; m++)
        {
            if (ValidateMatch(matches[m], $"{at}.matches[{m}]") is { } problem) { return problem; }
        }
        // No backends is valid here: a rule whose policies set ai needs none, and only the compiler sees the policies.
        var backends = rule.Backends ?? [];
        for (var b = 0; b < backends.Count; b++)
        {
            if (ValidateBackend(backends[b], $"{at}.backends[{b}]") is { } problem) { return problem; }
        }
        if (rule.Rewrite?.PathPrefix is { } prefix)
        {
            if (!prefix.StartsWith('/'))
            {
                return new(Reasons.InvalidRewrite, $"{at}.rewrite.pathPrefix: \"{prefix}\" must start with /");
            }
            var nonPrefix = matches.FindIndex(m => m.Path is { Type: not PathMatchType.PathPrefix });
            if (nonPrefix >= 0)
            {
                return new(Reasons.InvalidRewrite, $"{at}.rewrite.pathPrefix: needs PathPrefix matches, but matches[{nonPrefix}] is {matches[nonPrefix].Path!.Type}");
            }
        }
        if (rule.Mirror is { } mirror && ValidateMirror(mirror, $"{at}.mirror") is { } mirrorProblem) { return mirrorProblem; }
        if (rule.Mirrors is { Count: > MaxMirrors }) { return new(Reasons.InvalidBackend, $"{at}.mirrors: at most {MaxMirrors} mirrors"); }
        for (var m = 0; m < (rule.Mirrors?.Count ?? 0); m++)
        {
            if (ValidateMirror(rule.Mirrors![m], $"{at}.mirrors[{m}]") is { } problem) { return problem; }
        }
        if (rule.Redirect is { } redirect && ValidateRedirect(redirect, matches, $"{at}.redirect") is { } redirectProblem) { return redirectProblem; }
        if (rule.Timeout is { } timeout && (!Duration.TryParse(timeout, out var value) || value <= TimeSpan.Zero))
        {
            return new(Reasons.InvalidTimeout, $"{at}.timeout: \"{timeout}\" is not a positive duration such as 10s, 500ms or 1m30s");
        }
        if (rule.RequestTimeout is { } deadline && (!Duration.TryParse(deadline, out var limit) || limit <= TimeSpan.Zero))
        {
            return new(Reasons.InvalidTimeout, $"{at}.timeouts: \"{deadline}\" is not a duration such as 10s, 500ms or 1m30s");
        }
        return null;
    }

    /// <summary>Each mirror costs a copy of every sampled request: a few are plenty.</summary>
    private const int MaxMirrors = 8;

    private static RouteProblem? ValidateMirror(RouteMirror mirror, string at)
    {
        if (mirror.Percent is < 0 or > 100) { return new(Reasons.InvalidBackend, $"{at}.percent: {mirror.Percent} is outside 0..100"); }
        if (mirror.Backend is null) { return new(Reasons.InvalidBackend, $"{at}.backend: a backend is required"); }
        return ValidateBackend(mirror.Backend, $"{at}.backend");
    }

    private static RouteProblem? ValidateRedirect(RouteRedirect redirect, List<RouteMatch> matches, string at)
    {
        if (redirect.Scheme is not (null or "http" or "https")) { return new(Reasons.InvalidRedirect, $"{at}.scheme: {SafeText.Quote(redirect.Scheme)} must be http or https"); }
        if (redirect.Hostname is { } host && (host.Length > 253 || host.StartsWith("*.", StringComparison.Ordinal) || !Hostname.IsMatch(host)))
        {
            return new(Reasons.InvalidRedirect, $"{at}.hostname: {SafeText.Quote(host)} is not a host name");
        }
        if (redirect.Port is < 1 or > 65535) { return new(Reasons.InvalidRedirect, $"{at}.port: {redirect.Port} is outside 1..65535"); }
        if (redirect.StatusCode is not (301 or 302 or 303 or 307 or 308)) { return new(Reasons.InvalidRedirect, $"{at}.statusCode: {redirect.StatusCode} must be 301, 302, 303, 307 or 308"); }
        if (redirect.Path is { } path)
        {
            if (path.Type is not ("ReplaceFullPath" or "ReplacePrefixMatch")) { return new(Reasons.InvalidRedirect, $"{at}.path.type: {SafeText.Quote(path.Type)} must be ReplaceFullPath or ReplacePrefixMatch"); }
            if (!path.Value.StartsWith('/') || path.Value.AsSpan().IndexOfAny("?# \t\r\n") >= 0) { return new(Reasons.InvalidRedirect, $"{at}.path.value: {SafeText.Quote(path.Value)} must start with / and hold no ?, # or spaces"); }
            var nonPrefix = matches.FindIndex(m => m.Path is { Type: not PathMatchType.PathPrefix });
            if (path.Type == "ReplacePrefixMatch" && nonPrefix >= 0)
            {
                return new(Reasons.InvalidRedirect, $"{at}.path: ReplacePrefixMatch needs PathPrefix matches, but matches[{nonPrefix}] is {matches[nonPrefix].Path!.Type}");
            }
        }
        return null;
    }

    private static RouteProblem? ValidateMatch(RouteMatch match, string at)
    {
        if (match.Path is { } path)
        {
            if (path.Type is PathMatchType.Exact or PathMatchType.PathPrefix && !path.Value.StartsWith('/'))
            {
                return new(Reasons.InvalidMatch, $"{at}.path.value: \"{path.Value}\" must start with / for {path.Type}");
            }
            if (path.Type == PathMatchType.RegularExpression && RegexProblem(path.Value) is { } error)
            {
                return new(Reasons.InvalidMatch, $"{at}.path.value: {error}");
            }
        }
        if (ValidateValues(match.Headers, $"{at}.headers", isHeader: true) is { } headerProblem) { return headerProblem; }
        return ValidateValues(match.Query, $"{at}.query", isHeader: false);
    }

    private static RouteProblem? ValidateValues(List<NameValueMatch>? values, string at, bool isHeader)
    {
        if (values is null) { return null; }
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            if (string.IsNullOrEmpty(v.Name) || (isHeader && !HeaderName.IsMatch(v.Name)))
            {
                return new(Reasons.InvalidMatch, $"{at}[{i}].name: \"{v.Name}\" is not a valid {(isHeader ? "header" : "query parameter")} name");
            }
            if (v.Type == ValueMatchType.RegularExpression && RegexProblem(v.Value) is { } error)
            {
                return new(Reasons.InvalidMatch, $"{at}[{i}].value: {error}");
            }
        }
        return null;
    }

    private static RouteProblem? ValidateBackend(RouteBackend backend, string at)
    {
        if ((backend.Service is null) == (backend.Url is null))
        {
            return new(Reasons.InvalidBackend, $"{at}: set exactly one of service or url");
        }
        if (backend.Weight is < 0 or > 10000)
        {
            return new(Reasons.InvalidBackend, $"{at}.weight: {backend.Weight} is outside 0..10000");
        }
        if (backend.AppProtocol is { } appProtocol && UpstreamProtocols.FromBackend(appProtocol) is null)
        {
            return new(Reasons.InvalidBackend, $"{at}.appProtocol: \"{appProtocol}\" is not one of http, h2c, grpc");
        }
        if (backend.Service is { } service)
        {
            if (backend.Port is not { } port)
            {
                return new(Reasons.InvalidBackend, $"{at}.port: a service backend needs a port number or name");
            }
            if (port.Number is { } n && n is < 1 or > 65535)
            {
                return new(Reasons.InvalidBackend, $"{at}.port: {n} is outside 1..65535");
            }
            return service.Length is 0 or > 63 ? new(Reasons.InvalidBackend, $"{at}.service: \"{service}\" is not a Service name") : null;
        }
        if (!Uri.TryCreate(backend.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return new(Reasons.InvalidBackend, $"{at}.url: \"{backend.Url}\" must be an absolute http:// or https:// address without query, fragment or credentials");
        }
        return backend.Port is not null ? new(Reasons.InvalidBackend, $"{at}.port: a url backend carries its port in the url") : null;
    }

    /// <summary>
    /// Compiles the pattern exactly as the data plane will (<see cref="MatchPattern"/>: whole value, NonBacktracking), so
    /// a route this accepts is one the data plane can serve; constructs the linear-time engine cannot run are rejected.
    /// The message shows the pattern shortened and the parser's error without the pattern (it quotes all of it).
    /// </summary>
    private static string? RegexProblem(string pattern)
    {
        try
        {
            _ = new Regex(pattern, MatchPattern.Options);
        }
        catch (NotSupportedException)
        {
            return $"{Quote(pattern)} uses a construct (backreference, lookaround, atomic group) that the linear-time regex engine does not support";
        }
        catch (ArgumentException e)
        {
            return $"{Quote(pattern)} is not a valid regular expression ({Describe(e)})";
        }
        try
        {
            _ = MatchPattern.Compile(pattern);
            return null;
        }
        catch (Exception wrapped) when (wrapped is ArgumentException or NotSupportedException)
        {
            return $"{Quote(pattern)} is valid alone but not as a whole-value match {MatchPattern.WholeValue("...")} ({Describe(wrapped)}); "
                + "a (?x) comment runs to the end of the pattern";
        }
    }

    private static string Describe(Exception e) => e is RegexParseException parse
        ? $"{Words().Replace(parse.Error.ToString(), " $1").Trim().ToLowerInvariant()} at offset {parse.Offset}"
        : "not supported by the linear-time regex engine";

    private static string Quote(string value) => SafeText.Quote(value);

    public static PathKind ToKind(PathMatchType type) => type switch
    {
        PathMatchType.Exact => PathKind.Exact,
        PathMatchType.RegularExpression => PathKind.RegularExpression,
        _ => PathKind.PathPrefix,
    };

    [GeneratedRegex("([A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex Words();
}
