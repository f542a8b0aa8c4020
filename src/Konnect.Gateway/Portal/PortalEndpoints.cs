using System.Text.Json;
using Konnect.Gateway.Errors;
using Konnect.Gateway.Observability.Analytics;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Portal;

/// <summary>
/// Serves the developer portal on its own listener, by hand like the admin port: the page (/), an API's page
/// (/apis/{namespace}/{name}), the JSON catalogue (/api/apis, /api/apis/{namespace}/{name}) and its stylesheet. The
/// catalogue is rebuilt from the applied model when the model changes, on the first request that needs it.
/// </summary>
internal sealed class PortalEndpoints(RequestDelegate next, GatewayListeners listeners, GatewayState state, GatewayOptions options, CallAnalytics analytics)
{
    private readonly bool _analytics = options.RecordsAnalytics;
    private readonly AnalyticsReportCache _reports = new();
    private readonly SignInThrottle _throttle = new(TimeProvider.System);

    // Pages show text from manifests and OpenAPI documents: no script may run, whatever a document holds, and nothing
    // loads from anywhere but the portal itself.
    private const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private PortalCatalog _catalog = PortalCatalog.Empty;

    public Task InvokeAsync(HttpContext context) =>
        listeners.IsPortalPort(context.Connection.LocalPort) ? HandleAsync(context) : next(context);

    private Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return ProblemResponse.WriteAsync(context, Problem.MethodNotAllowed, "The developer portal answers GET and HEAD only.");
        }
        var path = request.Path.Value ?? "/";
        if (path == "/portal.css") { return Write(context, StatusCodes.Status200OK, "text/css; charset=utf-8", PortalStyle.Css); }

        var all = Catalog();
        var credentials = request.Headers.Authorization.Count > 0 || request.Headers.ContainsKey("x-api-key");
        var client = context.Connection.RemoteIpAddress;
        if (credentials && all.Viewers is not null && _throttle.RetryAfter(client) is { } wait)
        {
            context.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ProblemResponse.WriteAsync(context, Problem.SignInThrottled, $"Too many wrong credentials from this address; try again in {wait} s.");
        }
        var viewer = Viewer(all, request);
        if (credentials && viewer is null && all.Viewers is not null) { _throttle.Failed(client); }
        if (path == "/signin") { return SignIn(context, all, viewer); }
        var catalog = all.For(viewer?.Namespace);
        var query = PortalQuery.From(request.Query);
        if (path == "/")
        {
            return Write(context, StatusCodes.Status200OK, "text/html; charset=utf-8", PortalListPage.Render(catalog, query, viewer?.Id, all.Viewers is not null));
        }
        if (path == "/api/apis")
        {
            var apis = query.Apply(catalog.Apis).Select(a => a with { Versions = [.. a.Versions.Select(v => v with { Document = null })] }).ToList();
            return Json(context, JsonSerializer.Serialize(new PortalCatalogJson(apis, catalog.Apis.Count), PortalJsonContext.Default.PortalCatalogJson));
        }
        if (Api(path, "/apis/") is { } page)
        {
            return catalog.Find(page.Namespace, page.Name) is { } api
                ? Write(context, StatusCodes.Status200OK, "text/html; charset=utf-8", PortalApiPage.Render(api,
                    _analytics ? html => PortalAnalytics.Write(html, api, Report(api, request, viewer), request.Query, ShowsConsumers(api, viewer)) : null))
                : NotFound(context, $"No listed API {page.Namespace}/{page.Name}.");
        }
        if (Api(path, "/api/apis/") is { } entry)
        {
            return catalog.Find(entry.Namespace, entry.Name) is { } api
                ? Json(context, JsonSerializer.Serialize(api, PortalJsonContext.Default.PortalApi))
                : ProblemResponse.WriteAsync(context, Problem.PortalNotFound, $"No listed API {entry.Namespace}/{entry.Name}.");
        }
        if (Api(path, "/api/analytics/") is { } calls)
        {
            var csv = calls.Name.EndsWith(".csv", StringComparison.Ordinal);
            var name = csv ? calls.Name[..^4] : calls.Name;
            if (!_analytics) { return ProblemResponse.WriteAsync(context, Problem.AnalyticsOff, "Call analytics are off (konnect run --analytics off)."); }
            if (catalog.Find(calls.Namespace, name) is not { } api)
            {
                return ProblemResponse.WriteAsync(context, Problem.PortalNotFound, $"No listed API {calls.Namespace}/{name}.");
            }
            var report = Report(api, request, viewer);
            return csv
                ? Write(context, StatusCodes.Status200OK, "text/csv; charset=utf-8", PortalAnalytics.Csv(report))
                : Json(context, JsonSerializer.Serialize(report, PortalJsonContext.Default.AnalyticsReport));
        }
        return path.StartsWith("/api/", StringComparison.Ordinal)
            ? ProblemResponse.WriteAsync(context, Problem.PortalNotFound, "The catalogue is /api/apis and /api/apis/{namespace}/{name}; analytics are /api/analytics/{namespace}/{name} (.csv).")
            : NotFound(context, "No such page.");
    }

    /// <summary>Consumers' names and the consumer filter: to everyone, or to consumers of the API's own namespace.</summary>
    private bool ShowsConsumers(PortalApi api, PortalViewer? viewer) =>
        options.PortalConsumerNames == PortalConsumerNames.Everyone || viewer?.Namespace == api.Namespace;

    private AnalyticsReport Report(PortalApi api, HttpRequest request, PortalViewer? viewer) =>
        _reports.Get(analytics, api, request.Query, ShowsConsumers(api, viewer));

    /// <summary>
    /// Who is looking, when consumers exist: a consumer signed in with its basic credentials (the browser sends them
    /// once /signin asked), or one whose API key is in x-api-key (for the JSON). Wrong credentials are nobody.
    /// </summary>
    private static PortalViewer? Viewer(PortalCatalog catalog, HttpRequest request)
    {
        if (catalog.Viewers is not { } viewers) { return null; }
        var consumer = viewers.ByBasicHeader(request.Headers.Authorization.ToString() is { Length: > 0 } basic ? basic : null)
            ?? (request.Headers["x-api-key"].ToString() is { Length: > 0 } key ? viewers.ByApiKey(key) : null);
        return consumer is null ? null : new PortalViewer(consumer.Id, consumer.Id[..consumer.Id.IndexOf('/')]);
    }

    /// <summary>Asks the browser for a consumer's basic credentials, then goes back to the list.</summary>
    private static Task SignIn(HttpContext context, PortalCatalog catalog, PortalViewer? viewer)
    {
        if (viewer is not null)
        {
            context.Response.Headers.Location = "/";
            return Write(context, StatusCodes.Status303SeeOther, "text/plain; charset=utf-8", "");
        }
        if (catalog.Viewers is null)
        {
            return NotFound(context, "No consumer exists to sign in as.");
        }
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"Konnect developer portal\", charset=\"UTF-8\"";
        return Write(context, StatusCodes.Status401Unauthorized, "text/plain; charset=utf-8",
            "Sign in with your KonnectConsumer's basic credentials to see the APIs internal to its namespace.");
    }

    private PortalCatalog Catalog()
    {
        if (state.AppliedModel is not { } model) { return PortalCatalog.Empty; }
        var catalog = Volatile.Read(ref _catalog);
        if (catalog.Version == model.Version) { return catalog; }
        // Two requests racing after a change may both build it: the same catalogue, and cheaper than a lock on every request.
        catalog = PortalCatalog.From(model);
        Volatile.Write(ref _catalog, catalog);
        return catalog;
    }

    /// <summary>"{prefix}{namespace}/{name}" (Kestrel has already decoded the path); null for any other path.</summary>
    private static (string Namespace, string Name)? Api(string path, string prefix)
    {
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) { return null; }
        var parts = path[prefix.Length..].Split('/');
        return parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0
            ? (parts[0], parts[1])
            : null;
    }

    private static Task NotFound(HttpContext context, string message)
    {
        var html = new HtmlWriter();
        html.Start("Not found · Konnect developer portal");
        html.Element("h1", "Not found").Element("p", message).Raw("<p>").Link("/", "All APIs").Raw("</p>");
        html.End();
        return Write(context, StatusCodes.Status404NotFound, "text/html; charset=utf-8", html.ToString());
    }

    private static Task Json(HttpContext context, string json) => Write(context, StatusCodes.Status200OK, "application/json; charset=utf-8", json);

    private static Task Write(HttpContext context, int status, string contentType, string body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.WriteAsync(body, context.RequestAborted);
    }
}
