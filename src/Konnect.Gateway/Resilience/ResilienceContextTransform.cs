using Yarp.ReverseProxy.Transforms;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// Hands <see cref="ResilienceHandler"/>, which sits on the cluster's HTTP client and sees only the upstream request, the
/// request's HttpContext: the circuit breaker reads which backend an attempt goes to, and a retry moves the request to
/// another endpoint (<see cref="RetryTargets"/>). Added only to rules with retries or a circuit breaker.
/// </summary>
internal sealed class ResilienceContextTransform : RequestTransform
{
    /// <summary>Route metadata: the rule has retries or a circuit breaker.</summary>
    public const string ResilienceKey = "konnect.resilience";

    public static readonly ResilienceContextTransform Instance = new();

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        context.ProxyRequest.Options.Set(ResilienceHandler.ContextOption, context.HttpContext);
        return ValueTask.CompletedTask;
    }
}
