using System.Text.Json.Serialization;
using Konnect.Api.CertManager;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;

namespace Konnect.Api.Json;

/// <summary>
/// Source-generated JSON for every API type, with the Kubernetes wire conventions (camelCase, nulls omitted). Strings are
/// read through <see cref="StringPool"/>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = false,
    Converters = [typeof(PooledStringConverter)])]
[JsonSerializable(typeof(KonnectRoute))]
[JsonSerializable(typeof(KonnectPolicy))]
[JsonSerializable(typeof(KonnectConsumer))]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(EndpointSlice))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(Ingress))]
[JsonSerializable(typeof(IngressClass))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(GatewayClass))]
[JsonSerializable(typeof(Gateway))]
[JsonSerializable(typeof(HttpRoute))]
[JsonSerializable(typeof(GrpcRoute))]
[JsonSerializable(typeof(ReferenceGrant))]
[JsonSerializable(typeof(KonnectStatus))]
[JsonSerializable(typeof(ObjectList<KonnectRoute>))]
[JsonSerializable(typeof(ObjectList<KonnectPolicy>))]
[JsonSerializable(typeof(ObjectList<KonnectConsumer>))]
[JsonSerializable(typeof(ObjectList<Service>))]
[JsonSerializable(typeof(ObjectList<EndpointSlice>))]
[JsonSerializable(typeof(ObjectList<Secret>))]
[JsonSerializable(typeof(ObjectList<ConfigMap>))]
[JsonSerializable(typeof(ObjectList<Ingress>))]
[JsonSerializable(typeof(ObjectList<IngressClass>))]
[JsonSerializable(typeof(ObjectList<Namespace>))]
[JsonSerializable(typeof(ObjectList<GatewayClass>))]
[JsonSerializable(typeof(ObjectList<Gateway>))]
[JsonSerializable(typeof(ObjectList<HttpRoute>))]
[JsonSerializable(typeof(ObjectList<GrpcRoute>))]
[JsonSerializable(typeof(ObjectList<ReferenceGrant>))]
[JsonSerializable(typeof(Certificate))]
[JsonSerializable(typeof(Issuer))]
[JsonSerializable(typeof(ClusterIssuer))]
[JsonSerializable(typeof(ObjectList<Certificate>))]
[JsonSerializable(typeof(ObjectList<Issuer>))]
[JsonSerializable(typeof(ObjectList<ClusterIssuer>))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
public sealed partial class KonnectJsonContext : JsonSerializerContext;
