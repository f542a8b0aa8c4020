using System.Collections.Immutable;
using Konnect.Api.CertManager;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Store;

/// <summary>
/// Everything the translator may look at, as immutable values. Sources replace it whole (folder mode) or edit it
/// one object at a time (watch mode); either way the translator sees one consistent snapshot.
/// </summary>
public sealed record ResourceSnapshot
{
    public static readonly ResourceSnapshot Empty = new();

    public ImmutableSortedDictionary<ObjectRef, KonnectRoute> Routes { get; init; } = ImmutableSortedDictionary<ObjectRef, KonnectRoute>.Empty;
    public ImmutableSortedDictionary<ObjectRef, KonnectPolicy> Policies { get; init; } = ImmutableSortedDictionary<ObjectRef, KonnectPolicy>.Empty;
    public ImmutableSortedDictionary<ObjectRef, KonnectConsumer> Consumers { get; init; } = ImmutableSortedDictionary<ObjectRef, KonnectConsumer>.Empty;
    public ImmutableSortedDictionary<ObjectRef, Service> Services { get; init; } = ImmutableSortedDictionary<ObjectRef, Service>.Empty;
    public ImmutableSortedDictionary<ObjectRef, EndpointSlice> EndpointSlices { get; init; } = ImmutableSortedDictionary<ObjectRef, EndpointSlice>.Empty;
    public ImmutableSortedDictionary<ObjectRef, Secret> Secrets { get; init; } = ImmutableSortedDictionary<ObjectRef, Secret>.Empty;

    /// <summary>ConfigMaps holding OpenAPI documents: every one in folder mode, those labelled konnect.dev/openapi in a cluster.</summary>
    public ImmutableSortedDictionary<ObjectRef, ConfigMap> ConfigMaps { get; init; } = ImmutableSortedDictionary<ObjectRef, ConfigMap>.Empty;

    /// <summary>networking.k8s.io/v1 Ingresses, every class: the translator serves those of Konnect's IngressClasses.</summary>
    public ImmutableSortedDictionary<ObjectRef, Ingress> Ingresses { get; init; } = ImmutableSortedDictionary<ObjectRef, Ingress>.Empty;

    /// <summary>IngressClasses (cluster-scoped: an empty namespace), which say which Ingresses are Konnect's.</summary>
    public ImmutableSortedDictionary<ObjectRef, IngressClass> IngressClasses { get; init; } = ImmutableSortedDictionary<ObjectRef, IngressClass>.Empty;

    /// <summary>Namespaces (cluster-scoped), for their labels: a Gateway listener may admit routes by a namespace selector.</summary>
    public ImmutableSortedDictionary<ObjectRef, Namespace> Namespaces { get; init; } = ImmutableSortedDictionary<ObjectRef, Namespace>.Empty;

    /// <summary>Gateway API GatewayClasses (cluster-scoped); Konnect serves those with its controllerName.</summary>
    public ImmutableSortedDictionary<ObjectRef, GatewayClass> GatewayClasses { get; init; } = ImmutableSortedDictionary<ObjectRef, GatewayClass>.Empty;

    public ImmutableSortedDictionary<ObjectRef, Gateway> Gateways { get; init; } = ImmutableSortedDictionary<ObjectRef, Gateway>.Empty;
    public ImmutableSortedDictionary<ObjectRef, HttpRoute> HttpRoutes { get; init; } = ImmutableSortedDictionary<ObjectRef, HttpRoute>.Empty;
    public ImmutableSortedDictionary<ObjectRef, GrpcRoute> GrpcRoutes { get; init; } = ImmutableSortedDictionary<ObjectRef, GrpcRoute>.Empty;
    public ImmutableSortedDictionary<ObjectRef, ReferenceGrant> ReferenceGrants { get; init; } = ImmutableSortedDictionary<ObjectRef, ReferenceGrant>.Empty;

    /// <summary>cert-manager Certificates (watch mode only); the translator does not read them, the CertificateWriter does.</summary>
    public ImmutableSortedDictionary<ObjectRef, Certificate> Certificates { get; init; } = ImmutableSortedDictionary<ObjectRef, Certificate>.Empty;

    /// <summary>True when the objects come from a cluster (watch mode): cert-manager can then act on spec.tls.issuerRef.</summary>
    public bool FromCluster { get; init; }

    /// <summary>Watch mode: true while listing Certificates answers 404 (cert-manager is not installed).</summary>
    public bool CertManagerMissing { get; init; }

    /// <summary>
    /// Watch mode: true once Certificates have been listed (in every watched namespace). Until then, or until the list
    /// answers 404, nothing is known of existing Certificates, so none may be created: the first model does not wait
    /// for them (cert-manager is optional), the CertificateWriter does.
    /// </summary>
    public bool CertificatesListed { get; init; }

    /// <summary>Objects that were named but could not be decoded; each gets Accepted=False with the decoder's reason.</summary>
    public ImmutableSortedDictionary<ObjectRef, InvalidObject> Invalid { get; init; } = ImmutableSortedDictionary<ObjectRef, InvalidObject>.Empty;

    /// <summary>File-level problems (folder mode): unparsable YAML, documents without kind or name, duplicates.</summary>
    public ImmutableArray<SourceProblem> Problems { get; init; } = [];

    /// <summary>Where each object was read from (folder mode only).</summary>
    public ImmutableDictionary<ObjectRef, SourceLocation> Sources { get; init; } = ImmutableDictionary<ObjectRef, SourceLocation>.Empty;
}
