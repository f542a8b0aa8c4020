using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// Tells <see cref="ResilienceHandler"/> which backend the chosen endpoint belongs to (its <see cref="DestinationId"/>'s
/// backend tag), so the circuit breaker counts per backend rather than per pod. Added only to rules with a breaker.
/// </summary>
internal sealed class BackendTagTransform : RequestTransform
{
    /// <summary>Route metadata: the rule has a circuit breaker, so each request is tagged with its backend.</summary>
    public const string TagBackendKey = "konnect.tagBackend";

    public static readonly BackendTagTransform Instance = new();

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (context.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.DestinationId is { } id)
        {
            // An id Konnect did not build (none today) is its own backend.
            context.ProxyRequest.Options.Set(ResilienceHandler.BackendOption,
                DestinationId.TryParseBackend(id, out var backend) ? DestinationId.BackendTag(backend) : id);
        }
        return ValueTask.CompletedTask;
    }
}
