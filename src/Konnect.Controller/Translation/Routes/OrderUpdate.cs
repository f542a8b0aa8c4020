namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// Keeps a sorted list sorted from one pass to the next without comparing all of it again: items whose owner is still
/// present (the same instance) keep their previous order, the items of owners that are new are sorted among themselves
/// and merged in. With a strict total order the result is exactly what sorting everything gives, whatever list
/// <paramref name="previousSorted"/> was, so a stale or foreign previous list costs time, never correctness.
/// </summary>
internal static class OrderUpdate
{
    public static List<T> Sort<TOwner, T>(IReadOnlyList<T>? previousSorted, IReadOnlyList<TOwner> owners, Func<T, TOwner> ownerOf,
        Func<TOwner, IEnumerable<T>> itemsOf, Comparison<T> compare)
        where TOwner : class
    {
        var present = new HashSet<TOwner>(owners, ReferenceEqualityComparer.Instance);
        var kept = new List<T>(previousSorted?.Count ?? 0);
        var keptOwners = new HashSet<TOwner>(ReferenceEqualityComparer.Instance);
        foreach (var item in previousSorted ?? [])
        {
            var owner = ownerOf(item);
            if (present.Contains(owner))
            {
                kept.Add(item);
                keptOwners.Add(owner);
            }
        }
        var added = new List<T>();
        foreach (var owner in owners)
        {
            if (!keptOwners.Contains(owner)) { added.AddRange(itemsOf(owner)); }
        }
        added.Sort(compare);
        return Merge(kept, added, compare);
    }

    // Each added item finds its place by binary search: a pass that changed one route compares about log2(n) times.
    private static List<T> Merge<T>(List<T> kept, List<T> added, Comparison<T> compare)
    {
        if (added.Count == 0) { return kept; }
        var merged = new List<T>(kept.Count + added.Count);
        var next = 0;
        foreach (var item in added)
        {
            var (low, high) = (next, kept.Count);
            while (low < high)
            {
                var mid = low + (high - low) / 2;
                if (compare(kept[mid], item) <= 0) { low = mid + 1; } else { high = mid; }
            }
            for (; next < low; next++) { merged.Add(kept[next]); }
            merged.Add(item);
        }
        for (; next < kept.Count; next++) { merged.Add(kept[next]); }
        return merged;
    }
}
