using Yarp.ReverseProxy.Transforms;

namespace Konnect.Gateway.Observability.RequestIds;

/// <summary>
/// YARP appends the upstream's response headers to ours; an upstream that echoes x-request-id would otherwise give
/// the client two values. The gateway's id is the one the client must see.
/// </summary>
internal sealed class RequestIdResponseTransform : ResponseTransform
{
    public static readonly RequestIdResponseTransform Instance = new();

    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        RequestIdMiddleware.Stamp(context.HttpContext);
        return ValueTask.CompletedTask;
    }
}
