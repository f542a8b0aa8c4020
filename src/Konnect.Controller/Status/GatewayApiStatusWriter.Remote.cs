using System.Text.Json.Nodes;
using Konnect.Api.GatewayApi;
using Konnect.Kubernetes;
using Konnect.Model;
using static Konnect.Controller.Status.GatewayApiStatus;

namespace Konnect.Controller.Status;

/// <summary>The calls on the API server: each kind read and patched through its status subresource.</summary>
public sealed partial class GatewayApiStatusWriter
{
    private async Task<Remote> ReadAsync(ObjectRef r, CancellationToken cancellationToken)
    {
        switch (r.Kind)
        {
            case GatewayClass.KindName:
                var gatewayClass = await _client.GetStatusAsync(ResourceTypes.GatewayClasses, "", r.Name, cancellationToken).ConfigureAwait(false);
                return new Remote(gatewayClass.Status, gatewayClass.Metadata.Uid, gatewayClass.Metadata.ResourceVersion);
            case Gateway.KindName:
                var gateway = await _client.GetStatusAsync(ResourceTypes.Gateways, r.Namespace, r.Name, cancellationToken).ConfigureAwait(false);
                return new Remote(gateway.Status, gateway.Metadata.Uid, gateway.Metadata.ResourceVersion);
            case GrpcRoute.KindName:
                var grpcRoute = await _client.GetStatusAsync(ResourceTypes.GrpcRoutes, r.Namespace, r.Name, cancellationToken).ConfigureAwait(false);
                return new Remote(grpcRoute.Status, grpcRoute.Metadata.Uid, grpcRoute.Metadata.ResourceVersion);
            default:
                var route = await _client.GetStatusAsync(ResourceTypes.HttpRoutes, r.Namespace, r.Name, cancellationToken).ConfigureAwait(false);
                return new Remote(route.Status, route.Metadata.Uid, route.Metadata.ResourceVersion);
        }
    }

    private async Task<Remote> PatchAsync(ObjectRef r, JsonObject patch, CancellationToken cancellationToken)
    {
        switch (r.Kind)
        {
            case GatewayClass.KindName:
                var gatewayClass = await _client.PatchStatusAsync(ResourceTypes.GatewayClasses, "", r.Name, patch, cancellationToken).ConfigureAwait(false);
                return new Remote(gatewayClass.Status, gatewayClass.Metadata.Uid, gatewayClass.Metadata.ResourceVersion);
            case Gateway.KindName:
                var gateway = await _client.PatchStatusAsync(ResourceTypes.Gateways, r.Namespace, r.Name, patch, cancellationToken).ConfigureAwait(false);
                return new Remote(gateway.Status, gateway.Metadata.Uid, gateway.Metadata.ResourceVersion);
            case GrpcRoute.KindName:
                var grpcRoute = await _client.PatchStatusAsync(ResourceTypes.GrpcRoutes, r.Namespace, r.Name, patch, cancellationToken).ConfigureAwait(false);
                return new Remote(grpcRoute.Status, grpcRoute.Metadata.Uid, grpcRoute.Metadata.ResourceVersion);
            default:
                var route = await _client.PatchStatusAsync(ResourceTypes.HttpRoutes, r.Namespace, r.Name, patch, cancellationToken).ConfigureAwait(false);
                return new Remote(route.Status, route.Metadata.Uid, route.Metadata.ResourceVersion);
        }
    }
}
