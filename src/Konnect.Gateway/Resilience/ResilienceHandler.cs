using Konnect.Model;
using Microsoft.AspNetCore.Http;
using Polly;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// Sits on the cluster's HTTP client, under YARP's forwarder: retries and the circuit breaker act on the upstream
/// exchange up to response headers, and the response body is handed back untouched, so streaming stays streaming.
/// Each retry goes to an endpoint the request has not tried yet while one is available (<see cref="RetryTargets"/>).
/// A request body up to <see cref="MaxKeptBody"/> with a Content-Length is read whole before the first attempt, so any
/// attempt can send it; any other body streams from the client as the attempt sends it, so such a request is retried
/// only when the failed attempt never connected (not a byte of it was sent).
/// </summary>
internal sealed class ResilienceHandler : DelegatingHandler
{
    /// <summary>
    /// The largest request body kept for retries, 64 KiB: room for the JSON bodies of typical API calls, while a
    /// thousand such requests in flight hold 64 MiB at most. Larger bodies stream through as before.
    /// </summary>
    public const int MaxKeptBody = 64 * 1024;

    /// <summary>Set by <see cref="ResilienceContextTransform"/>: the request's HttpContext.</summary>
    public static readonly HttpRequestOptionsKey<HttpContext> ContextOption = new("konnect.context");

    private readonly RetryModel? _retry;
    private readonly RetryBudget? _budget;
    private readonly BackendBreakers? _breakers;
    private readonly RetryTargets? _targets;

    public ResilienceHandler(RetryModel? retry, CircuitBreakerModel? breaker, TimeProvider time, HttpMessageHandler inner,
        string clusterId = "", CircuitBreakerRegistry? registry = null, RetryTargets? targets = null) : base(inner)
    {
        _retry = retry;
        _budget = retry is null ? null : new RetryBudget(retry.BudgetRatio, retry.BudgetMinPerSecond, time);
        _breakers = breaker is null ? null : new BackendBreakers(breaker, time);
        _targets = targets;
        if (_breakers is not null) { registry?.Register(clusterId, _breakers); }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_retry is not { } retry || !retry.Methods.Contains(request.Method.Method))
        {
            return await AttemptAsync(request, cancellationToken);
        }

        // Outside the attempts: a client that fails to send its body is the client's error, never retried.
        var kept = request.Content is null || await KeepAsync(request.Content, cancellationToken);
        _budget!.Deposit();
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await AttemptAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (retry.OnConnectFailure && (kept || NeverConnected(e)) && CanRetry(attempt, retry, cancellationToken))
            {
                _targets?.MoveOn(request);
                continue;
            }
            catch (TryTimeoutException) when (retry.OnTimeout && kept && CanRetry(attempt, retry, cancellationToken))
            {
                _targets?.MoveOn(request);
                continue;
            }

            if (!kept || !Contains(retry.OnStatuses, (int)response.StatusCode) || !CanRetry(attempt, retry, cancellationToken))
            {
                return response;
            }
            response.Dispose();
            _targets?.MoveOn(request);
        }
    }

    /// <summary>
    /// Reads a body of known length up to <see cref="MaxKeptBody"/> into the content's own buffer, which every later
    /// send of the content copies from (YARP's content would otherwise stream from the client, once).
    /// </summary>
    private static async ValueTask<bool> KeepAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is not (>= 0 and <= MaxKeptBody)) { return false; }
        await content.LoadIntoBufferAsync(MaxKeptBody, cancellationToken);
        return true;
    }

    /// <summary>No connection was made (refused, unreachable, name not found, TLS handshake failed): no byte of the request went out.</summary>
    private static bool NeverConnected(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;

    /// <summary>Budget last: a retry that is not allowed anyway must not spend a token.</summary>
    private bool CanRetry(int attempt, RetryModel retry, CancellationToken cancellationToken) =>
        attempt < retry.Attempts && !cancellationToken.IsCancellationRequested && _budget!.TryWithdraw();

    private Task<HttpResponseMessage> AttemptAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_breakers is null)
        {
            return SendOnceAsync(request, cancellationToken);
        }

        return _breakers.For(BackendOf(request)).ExecuteAsync(
            static (state, token) => new ValueTask<HttpResponseMessage>(state.Self.SendOnceAsync(state.Request, token)),
            (Self: this, Request: request), cancellationToken).AsTask();
    }

    /// <summary>
    /// The backend tag of the destination this attempt goes to (it changes when a retry moves to another backend), so
    /// the breaker counts per backend rather than per pod; an id Konnect did not build (none today) is its own backend.
    /// </summary>
    private static string BackendOf(HttpRequestMessage request)
    {
        if (request.Options.TryGetValue(ContextOption, out var context)
            && context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.DestinationId is { } id)
        {
            return DestinationId.TryParseBackend(id, out var backend) ? DestinationId.BackendTag(backend) : id;
        }
        return request.RequestUri?.Authority ?? "";
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_retry?.PerTryTimeout is not { } perTry)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        // Bounds the wait for response headers only; disposing it once they arrive leaves the body to the route's timeout.
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(perTry);
        try
        {
            return await base.SendAsync(request, attempt.Token);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TryTimeoutException(perTry);
        }
    }

    private static bool Contains(IReadOnlyList<int> statuses, int status)
    {
        for (var i = 0; i < statuses.Count; i++)
        {
            if (statuses[i] == status) { return true; }
        }
        return false;
    }
}
