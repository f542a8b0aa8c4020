using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// Tells <see cref="ResilienceHandler"/> which backend the chosen endpoint belongs to (destination ids are
/// "b{index}/{address}"), so the circuit breaker counts per backend rather than per pod. Added only to rules with a breaker.
/// </summary>
internal sealed class BackendTagTransform : RequestTransform
{
    public static readonly BackendTagTransform Instance = new();

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (context.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.DestinationId is { } id)
        {
            var slash = id.IndexOf('/');
            context.ProxyRequest.Options.Set(ResilienceHandler.BackendOption, slash > 0 ? id[..slash] : id);
        }
        return ValueTask.CompletedTask;
    }
}
