namespace Konnect.Api.GatewayApi;

/// <summary>
/// The Gateway API (gateway.networking.k8s.io, standard channel v1; ReferenceGrant v1beta1). Its CRDs are the user's
/// to install. These records hold the fields Konnect reads and the status it writes; names and meanings are the
/// specification's (https://gateway-api.sigs.k8s.io/reference/spec/).
/// </summary>
public static class GatewayApiGroup
{
    public const string Group = "gateway.networking.k8s.io";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;
    public const string BetaApiVersion = Group + "/v1beta1";

    /// <summary>spec.controllerName of the GatewayClasses Konnect serves, and the controllerName in route status.</summary>
    public const string ControllerName = "konnect.dev/gateway-controller";
}
