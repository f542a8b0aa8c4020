using System.Collections.Concurrent;
using Konnect.Model;
using Polly;
using Polly.CircuitBreaker;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// One Polly circuit breaker per backend of a rule. A failure is a connect failure, a per-try timeout or a 5xx
/// answer; while a breaker is open its backend's requests fail with <see cref="BrokenCircuitException"/> without
/// being sent, and after breakDuration one request is let through (half-open) to decide whether it closes again.
/// </summary>
internal sealed class BackendBreakers(CircuitBreakerModel model, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (ResiliencePipeline<HttpResponseMessage> Pipeline, CircuitBreakerStateProvider State)> _pipelines =
        new(StringComparer.OrdinalIgnoreCase);

    public ResiliencePipeline<HttpResponseMessage> For(string backend) => _pipelines.GetOrAdd(backend, Build).Pipeline;

    /// <summary>Each backend that has had a request, and whether its breaker refuses requests now (Open or Isolated).</summary>
    public IEnumerable<(string Backend, bool Open)> States() =>
        _pipelines.Select(p => (p.Key, p.Value.State.CircuitState is CircuitState.Open or CircuitState.Isolated));

    private (ResiliencePipeline<HttpResponseMessage>, CircuitBreakerStateProvider) Build(string backend)
    {
        var state = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time, Name = backend }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                StateProvider = state,
                FailureRatio = model.FailureRatio,
                MinimumThroughput = model.MinimumThroughput,
                SamplingDuration = model.SamplingDuration,
                BreakDuration = model.BreakDuration,
                ShouldHandle = static args => ValueTask.FromResult(IsFailure(args.Outcome)),
            })
            .Build();
        return (pipeline, state);
    }

    private static bool IsFailure(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException or TryTimeoutException
        || outcome.Result is { StatusCode: >= System.Net.HttpStatusCode.InternalServerError };
}

/// <summary>An attempt did not get response headers within the retry policy's perTryTimeout.</summary>
internal sealed class TryTimeoutException(TimeSpan timeout)
    : TimeoutException($"The upstream did not answer within the per-try timeout of {timeout.TotalMilliseconds:F0} ms.");
