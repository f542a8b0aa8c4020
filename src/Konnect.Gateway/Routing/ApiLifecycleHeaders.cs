using System.Globalization;
using Konnect.Model;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Routing;

/// <summary>
/// The headers a deprecated or retired API version sends on every answer, formatted once per applied model:
/// <c>Deprecation: @&lt;unix seconds&gt;</c> (RFC 9745, a structured-field date), <c>Sunset: &lt;HTTP-date&gt;</c>
/// (RFC 8594) and <c>Link</c> with <c>rel="successor-version"</c> (RFC 5829) and <c>rel="deprecation"</c> (RFC 9745).
/// Set as the response starts, whoever answers (upstream, a policy's 401 or 429, the 410), so none is left without;
/// the upstream's own Link values (pagination) are kept beside these.
/// </summary>
internal sealed class ApiLifecycleHeaders
{
    private ApiLifecycleHeaders(ApiModel api)
    {
        Api = api;
        Deprecation = api.DeprecatedAt is { } deprecated ? "@" + deprecated.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : null;
        Sunset = api.SunsetAt is { } sunset ? sunset.UtcDateTime.ToString("r", CultureInfo.InvariantCulture) : null;
        string[] links =
        [
            .. api.Successor is { } successor ? [$"<{successor}>; rel=\"successor-version\""] : Array.Empty<string>(),
            .. api.Documentation is { } documentation ? [$"<{documentation}>; rel=\"deprecation\""] : Array.Empty<string>(),
        ];
        Link = links.Length > 0 ? string.Join(", ", links) : null;
    }

    public ApiModel Api { get; }
    public string? Deprecation { get; }
    public string? Sunset { get; }
    public string? Link { get; }

    /// <summary>Null for a published version: it sends nothing.</summary>
    public static ApiLifecycleHeaders? For(ApiModel? api) => api is { State: not ApiState.Published } ? new ApiLifecycleHeaders(api) : null;

    /// <summary>Sets the headers when the response starts, on every answer the request gets (its 503 and 400 included).</summary>
    public void OnStarting(HttpResponse response) => response.OnStarting(static state =>
    {
        var (started, lifecycle) = ((HttpResponse, ApiLifecycleHeaders))state;
        var headers = started.Headers;
        if (lifecycle.Deprecation is { } deprecation) { headers["Deprecation"] = deprecation; }
        if (lifecycle.Sunset is { } sunset) { headers["Sunset"] = sunset; }
        if (lifecycle.Link is { } link) { headers.Append("Link", link); }
        return Task.CompletedTask;
    }, (response, this));
}
