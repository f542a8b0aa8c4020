using System.Collections;
using System.Collections.Immutable;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// Every route of a pass in key order, and by key. Kinds sort GRPCRoute, HTTPRoute, Ingress, KonnectRoute, so the inputs,
/// each already in order, follow one another: no sorted tree of 10,000 entries is built per pass (that insert was most
/// of what 10,000 HTTPRoutes added to a pass). The index by key is made at the first lookup (the endpoint fast path).
/// </summary>
internal sealed class RouteCollection : IEnumerable<KeyValuePair<ObjectRef, KonnectRoute>>
{
    private readonly ImmutableSortedDictionary<ObjectRef, KonnectRoute>? _konnectRoutesOnly;
    private readonly KeyValuePair<ObjectRef, KonnectRoute>[] _merged = [];
    private Dictionary<ObjectRef, KonnectRoute>? _index;

    /// <summary>The KonnectRoutes alone, as the snapshot holds them.</summary>
    public RouteCollection(ImmutableSortedDictionary<ObjectRef, KonnectRoute> konnectRoutes) => _konnectRoutesOnly = konnectRoutes;

    /// <param name="gatewayRoutes">GRPCRoutes then HTTPRoutes, in key order.</param>
    /// <param name="ingressParts">In key order.</param>
    public RouteCollection(IReadOnlyList<KeyValuePair<ObjectRef, KonnectRoute>> gatewayRoutes, IReadOnlyList<KeyValuePair<ObjectRef, KonnectRoute>> ingressParts,
        ImmutableSortedDictionary<ObjectRef, KonnectRoute> konnectRoutes)
    {
        _merged = [.. gatewayRoutes, .. ingressParts, .. konnectRoutes];
    }

    public int Count => _konnectRoutesOnly?.Count ?? _merged.Length;

    public KonnectRoute this[ObjectRef key] => _konnectRoutesOnly is { } only ? only[key] : Index()[key];

    public IEnumerator<KeyValuePair<ObjectRef, KonnectRoute>> GetEnumerator() =>
        _konnectRoutesOnly is { } only ? only.GetEnumerator() : ((IEnumerable<KeyValuePair<ObjectRef, KonnectRoute>>)_merged).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Dictionary<ObjectRef, KonnectRoute> Index()
    {
        if (Volatile.Read(ref _index) is { } index) { return index; }
        index = new Dictionary<ObjectRef, KonnectRoute>(_merged.Length);
        foreach (var (key, route) in _merged) { index[key] = route; }
        Volatile.Write(ref _index, index);
        return index;
    }
}
