using System.Text.Json.Serialization.Metadata;
using Konnect.Api;
using Konnect.Api.CertManager;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;

namespace Konnect.Kubernetes;

/// <summary>
/// Everything the client needs to address one kind on the API server and decode it without reflection:
/// group, version, plural, and the source-generated JSON type information for the object and its list.
/// </summary>
public sealed record ResourceType<T>(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    JsonTypeInfo<T> TypeInfo,
    JsonTypeInfo<ObjectList<T>> ListTypeInfo)
    where T : class, IKubernetesObject
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"/api/v1" for the core group, "/apis/GROUP/VERSION" otherwise.</summary>
    public string GroupPath => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}

/// <summary>The kinds Konnect reads and writes.</summary>
public static class ResourceTypes
{
    private static readonly KonnectJsonContext Json = KonnectJsonContext.Default;

    public static readonly ResourceType<KonnectRoute> KonnectRoutes =
        new(KonnectGroup.Group, KonnectGroup.Version, "konnectroutes", KonnectRoute.KindName, true, Json.KonnectRoute, Json.ObjectListKonnectRoute);
    public static readonly ResourceType<KonnectPolicy> KonnectPolicies =
        new(KonnectGroup.Group, KonnectGroup.Version, "konnectpolicies", KonnectPolicy.KindName, true, Json.KonnectPolicy, Json.ObjectListKonnectPolicy);
    public static readonly ResourceType<KonnectConsumer> KonnectConsumers =
        new(KonnectGroup.Group, KonnectGroup.Version, "konnectconsumers", KonnectConsumer.KindName, true, Json.KonnectConsumer, Json.ObjectListKonnectConsumer);
    public static readonly ResourceType<Service> Services =
        new("", "v1", "services", "Service", true, Json.Service, Json.ObjectListService);
    public static readonly ResourceType<EndpointSlice> EndpointSlices =
        new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, Json.EndpointSlice, Json.ObjectListEndpointSlice);
    public static readonly ResourceType<Secret> Secrets =
        new("", "v1", "secrets", "Secret", true, Json.Secret, Json.ObjectListSecret);
    public static readonly ResourceType<Lease> Leases =
        new("coordination.k8s.io", "v1", "leases", "Lease", true, Json.Lease, Json.ObjectListLease);
    public static readonly ResourceType<Event> Events =
        new("events.k8s.io", "v1", "events", "Event", true, Json.Event, Json.ObjectListEvent);
    /// <summary>cert-manager's Certificates: absent (404) where cert-manager is not installed.</summary>
    public static readonly ResourceType<Certificate> Certificates =
        new(CertManagerGroup.Group, CertManagerGroup.Version, "certificates", Certificate.KindName, true, Json.Certificate, Json.ObjectListCertificate);
}
