using Konnect.Api.GatewayApi;
using Konnect.Model;

namespace Konnect.Controller.Translation;

/// <summary>
/// The name a route's rules carry in the model: <see cref="RouteModel.Route"/>, the metrics' route label, and the
/// middle of a rule's id (namespace/NAME/index). A KonnectRoute's is its name and an Ingress's routes are NAME:HOST;
/// a Gateway API route's is prefixed with its kind ("httproute:orders"), since a KonnectRoute, an HTTPRoute and a
/// GRPCRoute may share a name in one namespace. ':' is in no object name, so no two routes share a model name.
/// </summary>
internal static class ModelNames
{
    public static string Of(ObjectRef key) => key.Kind switch
    {
        HttpRoute.KindName => "httproute:" + key.Name,
        GrpcRoute.KindName => "grpcroute:" + key.Name,
        _ => key.Name,
    };
}
