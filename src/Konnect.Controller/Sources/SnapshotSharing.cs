using System.Collections.Immutable;
using System.Text.Json;
using Konnect.Api.Json;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Sources;

/// <summary>
/// Folder mode rebuilds its snapshot from every file, so each collection would be a new instance even when only an
/// EndpointSlice moved. The reconciler recognises an endpoint-only change by reference (its fast path), so every
/// collection whose entries are all the same objects as before is handed back as the previous instance.
/// </summary>
internal static class SnapshotSharing
{
    public static ResourceSnapshot Share(ResourceSnapshot? previous, ResourceSnapshot next) => previous is null ? next : next with
    {
        Routes = Same(previous.Routes, next.Routes),
        Policies = Same(previous.Policies, next.Policies),
        Consumers = Same(previous.Consumers, next.Consumers),
        Services = Same(previous.Services, next.Services),
        EndpointSlices = Same(previous.EndpointSlices, next.EndpointSlices),
        Secrets = Same(previous.Secrets, next.Secrets),
        ConfigMaps = Same(previous.ConfigMaps, next.ConfigMaps),
        Ingresses = Same(previous.Ingresses, next.Ingresses),
        IngressClasses = Same(previous.IngressClasses, next.IngressClasses),
        Namespaces = Same(previous.Namespaces, next.Namespaces),
        GatewayClasses = Same(previous.GatewayClasses, next.GatewayClasses),
        Gateways = Same(previous.Gateways, next.Gateways),
        HttpRoutes = Same(previous.HttpRoutes, next.HttpRoutes),
        GrpcRoutes = Same(previous.GrpcRoutes, next.GrpcRoutes),
        ReferenceGrants = Same(previous.ReferenceGrants, next.ReferenceGrants),
        Invalid = Same(previous.Invalid, next.Invalid),
        // ImmutableArray compares by its array, and problems are records: equal messages are the same problems.
        Problems = previous.Problems.SequenceEqual(next.Problems) ? previous.Problems : next.Problems,
    };

    // Unchanged files keep their parsed objects, so most values are the same instances. A re-read file parses all its
    // objects again: one that reads as before keeps its previous instance, so editing one route in a file of 100
    // leaves the other 99 (and the Services beside them) unchanged for the translator's per-route reuse.
    private static ImmutableSortedDictionary<ObjectRef, T> Same<T>(ImmutableSortedDictionary<ObjectRef, T> previous, ImmutableSortedDictionary<ObjectRef, T> next)
        where T : class
    {
        if (SameKeysAndContent(previous, next)) { return previous; }
        ImmutableSortedDictionary<ObjectRef, T>.Builder? kept = null;
        foreach (var (key, value) in next)
        {
            if (previous.TryGetValue(key, out var old) && !ReferenceEquals(old, value) && SameContent(old, value)) { (kept ??= next.ToBuilder())[key] = old; }
        }
        return kept?.ToImmutable() ?? next;
    }

    // Both are sorted by the same comparer, so one walk side by side (no lookups) settles the common case.
    private static bool SameKeysAndContent<T>(ImmutableSortedDictionary<ObjectRef, T> previous, ImmutableSortedDictionary<ObjectRef, T> next)
        where T : class
    {
        if (previous.Count != next.Count) { return false; }
        using var old = previous.GetEnumerator();
        foreach (var (key, value) in next)
        {
            if (!old.MoveNext() || old.Current.Key != key) { return false; }
            if (!ReferenceEquals(old.Current.Value, value) && !SameContent(old.Current.Value, value)) { return false; }
        }
        return true;
    }

    /// <summary>Same type and the same JSON: the same object as far as any consumer of the snapshot can tell.</summary>
    internal static bool SameContent(object a, object b) =>
        a.GetType() == b.GetType()
        && KonnectJsonContext.Default.GetTypeInfo(a.GetType()) is { } type
        && JsonSerializer.SerializeToUtf8Bytes(a, type).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(b, type));
}
