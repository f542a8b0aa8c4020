using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Sources;

/// <summary>One file whose content changed between two reloads: what it served before and what it serves now (null: no file).</summary>
internal readonly record struct ManifestFileChange(string Name, ManifestFileState? Old, ManifestFileState? New);

/// <summary>
/// Applies a few changed files to the previous snapshot instead of rebuilding it from every file: at 10,000 routes a
/// full <see cref="ManifestSnapshot.Build"/> re-inserts 30,000 objects into sorted trees (tens of ms) for a one-line
/// edit. The result must equal the full build, so any change that touches a name conflict (a duplicate before or
/// after, which the full build settles by file order) is refused and the caller rebuilds.
/// </summary>
internal static class ManifestSnapshotUpdate
{
    public static ResourceSnapshot? TryApply(ResourceSnapshot previous, IReadOnlyList<ManifestFileChange> changes)
    {
        // A duplicate anywhere is a conflict the full build settles by file order (removing a winner promotes a
        // loser in another file): leave those to it.
        if (previous.Problems.Any(p => p.Message.Contains(ManifestSnapshot.DuplicateMarker, StringComparison.Ordinal))) { return null; }
        var builder = new SnapshotBuilder(previous);
        var changedFiles = changes.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

        // Take out everything the changed files served, checking each name was really theirs (not a duplicate's winner elsewhere).
        foreach (var change in changes)
        {
            foreach (var (reference, location) in Entries(change.Old))
            {
                if (!builder.Sources.TryGetValue(reference, out var at) || at != location) { return null; }
                builder.Remove(reference);
            }
        }

        foreach (var change in changes)
        {
            if (Content(change.New) is not { } content) { continue; }
            foreach (var o in content.Objects)
            {
                // A name taken twice, or a kind the full build does not expect either: let the full build decide.
                if (!builder.Sources.TryAdd(o.Ref, o.Location) || !builder.Add(o.Ref, o.Object)) { return null; }
            }
            foreach (var i in content.Invalid)
            {
                if (!builder.Sources.TryAdd(i.Ref, i.Location)) { return null; }
                builder.AddInvalid(i.Ref, i.Invalid);
            }
        }

        var kept = previous.Problems.Where(p => !changedFiles.Contains(p.Location.File)).ToList();
        foreach (var change in changes.Where(c => c.New is not null))
        {
            kept.AddRange(FileProblems(change.New!.Value));
        }

        return builder.ToSnapshot(previous, ManifestSnapshot.Order(kept));
    }

    /// <summary>What the full build serves from a file: its content, or its last good content while it is malformed.</summary>
    private static ManifestFile? Content(ManifestFileState? state) =>
        state is not { } s ? null : s.Current.SyntaxError is null ? s.Current : s.LastGood;

    private static IEnumerable<(ObjectRef, SourceLocation)> Entries(ManifestFileState? state) =>
        Content(state) is not { } content ? [] : content.Objects.Select(o => (o.Ref, o.Location)).Concat(content.Invalid.Select(i => (i.Ref, i.Location)));

    private static IEnumerable<SourceProblem> FileProblems(ManifestFileState state) =>
        ManifestSnapshot.FileProblems(state.Current, state.LastGood).Concat(Content(state)?.Problems ?? []);
}
