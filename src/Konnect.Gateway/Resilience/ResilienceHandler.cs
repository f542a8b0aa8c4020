using Konnect.Model;
using Polly;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// Sits on the cluster's HTTP client, under YARP's forwarder: retries and the circuit breaker act on the upstream
/// exchange up to response headers, and the response body is handed back untouched, so streaming stays streaming.
/// A retry goes to the same endpoint YARP chose (load balancing ran before the forwarder). Only requests without a
/// body are retried: the forwarder streams a body straight from the client and cannot send it twice.
/// </summary>
internal sealed class ResilienceHandler : DelegatingHandler
{
    /// <summary>Set by <see cref="BackendTagTransform"/>: which backend of the rule the request was sent to.</summary>
    public static readonly HttpRequestOptionsKey<string> BackendOption = new("konnect.backend");

    private readonly RetryModel? _retry;
    private readonly RetryBudget? _budget;
    private readonly BackendBreakers? _breakers;

    public ResilienceHandler(RetryModel? retry, CircuitBreakerModel? breaker, TimeProvider time, HttpMessageHandler inner,
        string clusterId = "", CircuitBreakerRegistry? registry = null) : base(inner)
    {
        _retry = retry;
        _budget = retry is null ? null : new RetryBudget(retry.BudgetRatio, retry.BudgetMinPerSecond, time);
        _breakers = breaker is null ? null : new BackendBreakers(breaker, time);
        if (_breakers is not null) { registry?.Register(clusterId, _breakers); }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_retry is not { } retry || request.Content is not null || !retry.Methods.Contains(request.Method.Method))
        {
            return await AttemptAsync(request, cancellationToken);
        }

        _budget!.Deposit();
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await AttemptAsync(request, cancellationToken);
            }
            catch (HttpRequestException) when (retry.OnConnectFailure && CanRetry(attempt, retry, cancellationToken))
            {
                continue;
            }
            catch (TryTimeoutException) when (retry.OnTimeout && CanRetry(attempt, retry, cancellationToken))
            {
                continue;
            }

            if (!Contains(retry.OnStatuses, (int)response.StatusCode) || !CanRetry(attempt, retry, cancellationToken))
            {
                return response;
            }
            response.Dispose();
        }
    }

    /// <summary>Budget last: a retry that is not allowed anyway must not spend a token.</summary>
    private bool CanRetry(int attempt, RetryModel retry, CancellationToken cancellationToken) =>
        attempt < retry.Attempts && !cancellationToken.IsCancellationRequested && _budget!.TryWithdraw();

    private Task<HttpResponseMessage> AttemptAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_breakers is null)
        {
            return SendOnceAsync(request, cancellationToken);
        }

        var backend = request.Options.TryGetValue(BackendOption, out var tag) ? tag : request.RequestUri?.Authority ?? "";
        return _breakers.For(backend).ExecuteAsync(
            static (state, token) => new ValueTask<HttpResponseMessage>(state.Self.SendOnceAsync(state.Request, token)),
            (Self: this, Request: request), cancellationToken).AsTask();
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
