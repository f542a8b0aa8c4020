using Konnect.Model;
using Konnect.Gateway.Errors;
using Konnect.Gateway.Observability.Metrics;
using Microsoft.AspNetCore.Http;
using System.Text.Json;

namespace Konnect.Gateway.Management;

/// <summary>
/// Serves the admin port by hand, without endpoint routing: admin requests never build or touch ASP.NET's matcher,
/// and traffic requests never see admin paths (on the traffic port "/healthz" is an ordinary routed path).
/// </summary>
internal sealed class AdminEndpoints(RequestDelegate next, GatewayListeners listeners, GatewayState state, IObjectStatuses statuses,
    GatewayOptions options, IServiceProvider services)
{
    private readonly MetricsEndpoint? _metrics = options.Metrics ? services.GetService(typeof(MetricsEndpoint)) as MetricsEndpoint : null;

    public Task InvokeAsync(HttpContext context) =>
        listeners.IsAdminPort(context.Connection.LocalPort) ? HandleAsync(context) : next(context);

    private Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return ProblemResponse.WriteAsync(context, Problem.MethodNotAllowed, "Admin endpoints answer GET and HEAD only.");
        }

        return request.Path.Value switch
        {
            "/healthz" => Text(context, StatusCodes.Status200OK, "ok"),
            "/readyz" => state.IsReady
                ? Text(context, StatusCodes.Status200OK, "ready")
                : Text(context, StatusCodes.Status503ServiceUnavailable, "not ready: no gateway model applied yet"),
            "/config" => Config(context),
            "/status" => Status(context),
            "/metrics" => Metrics(context),
            _ => ProblemResponse.WriteAsync(context, Problem.AdminNotFound, "Admin endpoints are /healthz, /readyz, /config, /status and /metrics."),
        };
    }

    /// <summary>
    /// A Prometheus scrape, streamed (chunked): at 10,000 routes with traffic the text is tens of MiB, and built as one
    /// string it cost the process over 200 MiB per scrape (issue #9).
    /// </summary>
    private async Task Metrics(HttpContext context)
    {
        if (_metrics is not { } metrics)
        {
            await ProblemResponse.WriteAsync(context, Problem.AdminNotFound, "Metrics are off (konnect run --metrics off, or KONNECT_METRICS=off): nothing is recorded to serve.");
            return;
        }

        // Off the I/O thread: requests run inline on Kestrel's I/O threads (UnsafePreferInlineScheduling), and reading the
        // scrape-time series walks every endpoint and breaker (tens of ms at 10,000 routes) before the first byte is
        // written; on an I/O thread that would stall every traffic connection the thread serves. The admin port only.
        await Task.Run(() => metrics.ServeAsync(context));
    }

    private static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(body);
    }

    /// <summary>
    /// Every object's conditions (and a consumer's subscriptions), as the translator last judged them: what a cluster
    /// shows in `kubectl get -o yaml`, for folder mode and for any pod (not only the leader that writes status).
    /// </summary>
    private Task Status(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, statuses.Current, ModelJsonContext.Default.IReadOnlyListObjectStatus, context.RequestAborted);
    }

    private Task Config(HttpContext context)
    {
        // Credentials never reach the model as values: API keys and passwords are hashed and [JsonIgnore]d (only a
        // credentialsVersion is serialised), JWT keys from Secrets likewise (keysVersion).
        var model = state.AppliedModel ?? GatewayModel.Empty;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, model, ModelJsonContext.Default.GatewayModel, context.RequestAborted);
    }
}
