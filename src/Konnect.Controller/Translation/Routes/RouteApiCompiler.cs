using System.Globalization;
using System.Text.RegularExpressions;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// spec.api: checked as the CRD schema checks it (folder mode has no API server) plus what a schema cannot (dates that
/// parse, a sunset not before the deprecation, as RFC 8594 asks; link targets a Link header can carry), then compiled
/// into the <see cref="ApiModel"/> the data plane sends headers and 410s from.
/// </summary>
internal static partial class RouteApiCompiler
{
    public static RouteProblem? Validate(RouteApi? api)
    {
        if (api is null) { return null; }
        if (!Whole(Name(), api.Name) || api.Name!.Length > 63)
        {
            return Problem("spec.api.name", $"{SafeText.Quote(api.Name ?? "")} is not a DNS label (lower-case letters, digits and '-', at most 63)");
        }
        if (!Whole(Version(), api.Version) || api.Version!.Length > 63)
        {
            return Problem("spec.api.version", $"{SafeText.Quote(api.Version ?? "")} is not a version such as v1 or 2026-06-01 (letters, digits, '-', '.', '_', at most 63)");
        }
        if (Portal(api) is { } portal) { return portal; }
        if (api.Lifecycle is not { } lifecycle) { return null; }
        if (!Enum.IsDefined(lifecycle.State))
        {
            return Problem("spec.api.lifecycle.state", "must be Published, Deprecated or Retired");
        }
        if (Date(lifecycle.DeprecatedAt, "spec.api.lifecycle.deprecatedAt", out var deprecated) is { } badDeprecation) { return badDeprecation; }
        if (Date(lifecycle.SunsetAt, "spec.api.lifecycle.sunsetAt", out var sunset) is { } badSunset) { return badSunset; }
        if (lifecycle.State == ApiLifecycleState.Deprecated && deprecated is null)
        {
            return Problem("spec.api.lifecycle.deprecatedAt", "a Deprecated API needs the date it was (or will be) deprecated");
        }
        if (sunset < deprecated)
        {
            return Problem("spec.api.lifecycle.sunsetAt", $"{lifecycle.SunsetAt} is before deprecatedAt {lifecycle.DeprecatedAt}; a sunset may not come before the deprecation (RFC 8594)");
        }
        if (lifecycle.EnforceSunset == true && sunset is null)
        {
            return Problem("spec.api.lifecycle.enforceSunset", "needs sunsetAt, the date from which requests are answered 410 Gone");
        }
        return Link(lifecycle.Successor, "spec.api.lifecycle.successor") ?? Link(lifecycle.Documentation, "spec.api.lifecycle.documentation");
    }

    // The portal's fields, held to the CRD's schema (folder mode has no API server to do it).
    private static RouteProblem? Portal(RouteApi api)
    {
        if (api.Visibility is { } visibility && !Enum.IsDefined(visibility)) { return Problem("spec.api.visibility", "must be Listed, Internal or Hidden"); }
        if (api.Title?.Length > 128) { return Problem("spec.api.title", "is longer than 128 characters"); }
        if (api.Description?.Length > 4096) { return Problem("spec.api.description", "is longer than 4096 characters"); }
        if (api.Team is { } team && (!Whole(Name(), team) || team.Length > 63))
        {
            return Problem("spec.api.team", $"{SafeText.Quote(team)} is not a DNS label (lower-case letters, digits and '-', at most 63)");
        }
        if (api.Tags?.Count > 16) { return Problem("spec.api.tags", "has more than 16 tags"); }
        foreach (var tag in api.Tags ?? [])
        {
            if (!Whole(Tag(), tag)) { return Problem("spec.api.tags", $"{SafeText.Quote(tag ?? "")} is not a tag (lower-case letters, digits and '-', at most 32)"); }
        }
        if (api.Openapi is { } openapi)
        {
            if ((openapi.ConfigMap is null) == (openapi.Url is null))
            {
                return Problem("spec.api.openapi", "give exactly one of configMap and url");
            }
            if (openapi.Url is { } url)
            {
                var ok = url.Length <= 2048 && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                    && string.IsNullOrEmpty(uri.UserInfo) && !url.StartsWith('/');
                return ok ? null : Problem("spec.api.openapi.url", $"{SafeText.Quote(Sources.ApiDocumentFetcher.Shown(url))} must be an absolute http:// or https:// URL without credentials");
            }
            if (openapi.ConfigMap is not { } configMap || string.IsNullOrEmpty(configMap.Name))
            {
                return Problem("spec.api.openapi.configMap", "names no ConfigMap (name, and key: openapi.yaml when left out)");
            }
            if (configMap.Key is { } key && (key.Length is 0 or > 253 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')))
            {
                return Problem("spec.api.openapi.configMap.key", $"{SafeText.Quote(key)} is not a ConfigMap key (letters, digits, '-', '.', '_')");
            }
        }
        return null;
    }

    /// <summary>The model of a route whose spec.api passed <see cref="Validate"/>.</summary>
    public static ApiModel? Compile(RouteApi? api)
    {
        if (api is null) { return null; }
        var lifecycle = api.Lifecycle ?? new ApiLifecycle();
        return new ApiModel
        {
            Name = api.Name,
            Version = api.Version,
            State = lifecycle.State switch
            {
                ApiLifecycleState.Deprecated => ApiState.Deprecated,
                ApiLifecycleState.Retired => ApiState.Retired,
                _ => ApiState.Published,
            },
            DeprecatedAt = Parse(lifecycle.DeprecatedAt),
            SunsetAt = Parse(lifecycle.SunsetAt),
            EnforceSunset = lifecycle.EnforceSunset == true,
            Successor = lifecycle.Successor,
            Documentation = lifecycle.Documentation,
            Listed = api.Visibility is ApiVisibility.Listed or ApiVisibility.Internal,
            Internal = api.Visibility == ApiVisibility.Internal,
            Title = api.Title,
            Description = api.Description,
            Team = api.Team,
            Tags = api.Tags is { Count: > 0 } tags ? [.. tags.Distinct(StringComparer.Ordinal)] : [],
            HasDocument = api.Openapi is not null,
        };
    }

    /// <summary>The route's Deprecated condition: where its API version is in its life, and since when.</summary>
    public static Condition DeprecatedCondition(ApiModel api, long? generation)
    {
        var what = $"API {api.Name} {api.Version}";
        var successor = api.Successor is { } s ? $"; successor {s}" : "";
        return api.State switch
        {
            ApiState.Retired => Conditions.True(ConditionTypes.Deprecated, Reasons.Retired, $"{what} is retired: requests are answered 410 Gone{successor}", generation),
            ApiState.Deprecated => Conditions.True(ConditionTypes.Deprecated, Reasons.Deprecated,
                $"{what} is deprecated from {Text(api.DeprecatedAt)}"
                + (api.SunsetAt is { } sunset ? $"; sunset {Text(sunset)}{(api.EnforceSunset ? ", from when requests are answered 410 Gone" : "")}" : "")
                + successor, generation),
            _ => Conditions.False(ConditionTypes.Deprecated, Reasons.Published, $"{what} is published", generation),
        };
    }

    private static string Text(DateTimeOffset? date) => date?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    private static RouteProblem? Date(string? value, string at, out DateTimeOffset? date)
    {
        date = null;
        if (value is null) { return null; }
        if (!Whole(Rfc3339(), value) || Parse(value) is not { } parsed)
        {
            return Problem(at, $"{SafeText.Quote(value)} is not an RFC 3339 date-time such as 2026-06-01T00:00:00Z");
        }
        date = parsed;
        return null;
    }

    private static DateTimeOffset? Parse(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var parsed) ? parsed : null;

    // A Link header carries the target between < and >: it must be a well-formed URI reference, absolute http(s) or a path.
    private static RouteProblem? Link(string? value, string at)
    {
        if (value is null) { return null; }
        var absolute = Uri.TryCreate(value, UriKind.Absolute, out var uri) && !value.StartsWith('/');
        var ok = value.Length <= 2048 && Uri.IsWellFormedUriString(value, UriKind.RelativeOrAbsolute) && (absolute
            ? uri!.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.UserInfo)
            : value.StartsWith('/') && !value.StartsWith("//", StringComparison.Ordinal));
        return ok ? null : Problem(at, $"{SafeText.Quote(value)} must be an absolute http:// or https:// URL without credentials, or a path such as /v2");
    }

    private static RouteProblem Problem(string at, string message) => new(Reasons.InvalidApi, $"{at}: {message}");

    // The whole value: .NET's $ also matches before a final newline, which the API server's RE2 does not.
    private static bool Whole(Regex pattern, string? value) => value is not null && pattern.Match(value) is { Success: true } m && m.Length == value.Length;

    [GeneratedRegex(RouteApi.NamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    [GeneratedRegex(RouteApi.VersionPattern, RegexOptions.CultureInvariant)]
    private static partial Regex Version();

    [GeneratedRegex(RouteApi.TagPattern, RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
