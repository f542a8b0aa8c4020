using System.Collections.Immutable;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Sources;

/// <summary>
/// The collections of a folder-mode snapshot while they are being filled: from nothing (a full build) or from the
/// previous snapshot (a few files changed). One place knows which collection each kind goes to.
/// </summary>
internal sealed class SnapshotBuilder
{
    private readonly ImmutableSortedDictionary<ObjectRef, KonnectRoute>.Builder _routes;
    private readonly ImmutableSortedDictionary<ObjectRef, KonnectPolicy>.Builder _policies;
    private readonly ImmutableSortedDictionary<ObjectRef, KonnectConsumer>.Builder _consumers;
    private readonly ImmutableSortedDictionary<ObjectRef, Service>.Builder _services;
    private readonly ImmutableSortedDictionary<ObjectRef, EndpointSlice>.Builder _slices;
    private readonly ImmutableSortedDictionary<ObjectRef, Secret>.Builder _secrets;
    private readonly ImmutableSortedDictionary<ObjectRef, ConfigMap>.Builder _configMaps;
    private readonly ImmutableSortedDictionary<ObjectRef, Ingress>.Builder _ingresses;
    private readonly ImmutableSortedDictionary<ObjectRef, IngressClass>.Builder _ingressClasses;
    private readonly ImmutableSortedDictionary<ObjectRef, Namespace>.Builder _namespaces;
    private readonly ImmutableSortedDictionary<ObjectRef, GatewayClass>.Builder _gatewayClasses;
    private readonly ImmutableSortedDictionary<ObjectRef, Gateway>.Builder _gateways;
    private readonly ImmutableSortedDictionary<ObjectRef, HttpRoute>.Builder _httpRoutes;
    private readonly ImmutableSortedDictionary<ObjectRef, GrpcRoute>.Builder _grpcRoutes;
    private readonly ImmutableSortedDictionary<ObjectRef, ReferenceGrant>.Builder _referenceGrants;
    private readonly ImmutableSortedDictionary<ObjectRef, InvalidObject>.Builder _invalid;

    private readonly ResourceSnapshot _from;
    // Removals wait until the snapshot is made: an object that is added back with the same content keeps its previous
    // instance and leaves its collection untouched, so an edit to one object in a file leaves the rest of the file's
    // objects (and every collection they alone are in) the same instances for the reconciler and the translator.
    private readonly HashSet<ObjectRef> _removed = [];

    public SnapshotBuilder(ResourceSnapshot from)
    {
        _from = from;
        _routes = from.Routes.ToBuilder();
        _policies = from.Policies.ToBuilder();
        _consumers = from.Consumers.ToBuilder();
        _services = from.Services.ToBuilder();
        _slices = from.EndpointSlices.ToBuilder();
        _secrets = from.Secrets.ToBuilder();
        _configMaps = from.ConfigMaps.ToBuilder();
        _ingresses = from.Ingresses.ToBuilder();
        _ingressClasses = from.IngressClasses.ToBuilder();
        _namespaces = from.Namespaces.ToBuilder();
        _gatewayClasses = from.GatewayClasses.ToBuilder();
        _gateways = from.Gateways.ToBuilder();
        _httpRoutes = from.HttpRoutes.ToBuilder();
        _grpcRoutes = from.GrpcRoutes.ToBuilder();
        _referenceGrants = from.ReferenceGrants.ToBuilder();
        _invalid = from.Invalid.ToBuilder();
        Sources = from.Sources.ToBuilder();
    }

    /// <summary>Where each object (valid or not) was written; a name is taken by the first object that claims it.</summary>
    public ImmutableDictionary<ObjectRef, SourceLocation>.Builder Sources { get; }

    /// <summary>Adds a decoded object; false for a kind a snapshot does not hold.</summary>
    public bool Add(ObjectRef reference, IKubernetesObject obj)
    {
        if (_removed.Remove(reference))
        {
            if (Previous(reference) is { } old && (ReferenceEquals(old, obj) || SnapshotSharing.SameContent(old, obj))) { return old.GetType() == obj.GetType(); }
            _invalid.Remove(reference); // it may have been an object that did not decode
        }

        switch (obj)
        {
            case KonnectRoute route: _routes[reference] = route; return true;
            case KonnectPolicy policy: _policies[reference] = policy; return true;
            case KonnectConsumer consumer: _consumers[reference] = consumer; return true;
            case Service service: _services[reference] = service; return true;
            case EndpointSlice slice: _slices[reference] = slice; return true;
            case Secret secret: _secrets[reference] = secret; return true;
            case ConfigMap configMap: _configMaps[reference] = configMap; return true;
            case Ingress ingress: _ingresses[reference] = ingress; return true;
            case IngressClass ingressClass: _ingressClasses[reference] = ingressClass; return true;
            case Namespace namespacesItem: _namespaces[reference] = namespacesItem; return true;
            case GatewayClass gatewayClassesItem: _gatewayClasses[reference] = gatewayClassesItem; return true;
            case Gateway gatewaysItem: _gateways[reference] = gatewaysItem; return true;
            case HttpRoute httpRoutesItem: _httpRoutes[reference] = httpRoutesItem; return true;
            case GrpcRoute grpcRoute: _grpcRoutes[reference] = grpcRoute; return true;
            case ReferenceGrant referenceGrantsItem: _referenceGrants[reference] = referenceGrantsItem; return true;
            default: return false;
        }
    }

    public void AddInvalid(ObjectRef reference, InvalidObject invalid)
    {
        if (_removed.Remove(reference))
        {
            if (_from.Invalid.TryGetValue(reference, out var old) && old == invalid) { return; }
            RemoveValid(reference); // it may have decoded before
        }

        _invalid[reference] = invalid;
    }

    /// <summary>Takes an object out of whichever collection holds it, and its source location.</summary>
    public void Remove(ObjectRef reference)
    {
        Sources.Remove(reference);
        _removed.Add(reference);
    }

    /// <summary>
    /// The snapshot: <paramref name="template"/> with these collections. A collection nothing changed in keeps its
    /// instance, and problems equal to the template's keep theirs (the reconciler compares both by reference).
    /// </summary>
    public ResourceSnapshot ToSnapshot(ResourceSnapshot template, ImmutableArray<SourceProblem> problems)
    {
        foreach (var reference in _removed)
        {
            RemoveValid(reference);
            _invalid.Remove(reference);
        }
        _removed.Clear();
        return Build(template, template.Problems.SequenceEqual(problems) ? template.Problems : problems);
    }

    private void RemoveValid(ObjectRef reference)
    {
        _routes.Remove(reference); _policies.Remove(reference); _consumers.Remove(reference);
        _services.Remove(reference); _slices.Remove(reference); _secrets.Remove(reference); _configMaps.Remove(reference);
        _ingresses.Remove(reference); _ingressClasses.Remove(reference);
        _namespaces.Remove(reference); _gatewayClasses.Remove(reference); _gateways.Remove(reference); _httpRoutes.Remove(reference); _grpcRoutes.Remove(reference); _referenceGrants.Remove(reference);
    }

    private object? Previous(ObjectRef reference) =>
        _from.Routes.GetValueOrDefault(reference) ?? _from.Policies.GetValueOrDefault(reference) ?? _from.Consumers.GetValueOrDefault(reference)
        ?? _from.Services.GetValueOrDefault(reference) ?? _from.EndpointSlices.GetValueOrDefault(reference) ?? _from.Secrets.GetValueOrDefault(reference)
        ?? _from.ConfigMaps.GetValueOrDefault(reference) ?? _from.Ingresses.GetValueOrDefault(reference)
        ?? _from.IngressClasses.GetValueOrDefault(reference) ?? _from.Namespaces.GetValueOrDefault(reference) ?? _from.GatewayClasses.GetValueOrDefault(reference) ?? _from.Gateways.GetValueOrDefault(reference) ?? _from.HttpRoutes.GetValueOrDefault(reference) ?? _from.GrpcRoutes.GetValueOrDefault(reference)
        ?? (object?)_from.ReferenceGrants.GetValueOrDefault(reference);

    private ResourceSnapshot Build(ResourceSnapshot template, ImmutableArray<SourceProblem> problems) => template with
    {
        Routes = _routes.ToImmutable(),
        Policies = _policies.ToImmutable(),
        Consumers = _consumers.ToImmutable(),
        Services = _services.ToImmutable(),
        EndpointSlices = _slices.ToImmutable(),
        Secrets = _secrets.ToImmutable(),
        ConfigMaps = _configMaps.ToImmutable(),
        Ingresses = _ingresses.ToImmutable(),
        IngressClasses = _ingressClasses.ToImmutable(),
        Namespaces = _namespaces.ToImmutable(),
        GatewayClasses = _gatewayClasses.ToImmutable(),
        Gateways = _gateways.ToImmutable(),
        HttpRoutes = _httpRoutes.ToImmutable(),
        GrpcRoutes = _grpcRoutes.ToImmutable(),
        ReferenceGrants = _referenceGrants.ToImmutable(),
        Invalid = _invalid.ToImmutable(),
        Sources = Sources.ToImmutable(),
        Problems = problems,
    };
}
