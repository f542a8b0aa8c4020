using System.Collections.Immutable;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Store;

namespace Konnect.Controller.Sources;

/// <summary>A file as last read, and the content to serve from it if it is now malformed.</summary>
internal readonly record struct ManifestFileState(ManifestFile Current, ManifestFile? LastGood);

/// <summary>
/// Combines read files into one <see cref="ResourceSnapshot"/>. Depends only on the files' contents, never on the
/// order they were read or changed in, so the same folder always gives the same snapshot.
/// </summary>
internal static class ManifestSnapshot
{
    public static ResourceSnapshot Build(IEnumerable<ManifestFileState> files, IEnumerable<SourceProblem>? extraProblems = null)
    {
        var builder = new SnapshotBuilder(ResourceSnapshot.Empty);
        var problems = new List<SourceProblem>(extraProblems ?? []);

        foreach (var (current, lastGood) in files.OrderBy(f => f.Current.Path, StringComparer.Ordinal))
        {
            problems.AddRange(FileProblems(current, lastGood));
            if (current.SyntaxError is not null && lastGood is null) { continue; }
            var content = current.SyntaxError is null ? current : lastGood!;
            problems.AddRange(content.Problems);

            // Valid and invalid objects compete for their name alike: the first written (by file, then line) wins.
            var entries = content.Objects.Select(o => (o.Ref, o.Location, Object: (IKubernetesObject?)o.Object, Invalid: (InvalidObject?)null))
                .Concat(content.Invalid.Select(i => (i.Ref, i.Location, Object: (IKubernetesObject?)null, Invalid: (InvalidObject?)i.Invalid)))
                .OrderBy(e => e.Location.Line);
            foreach (var (reference, location, obj, bad) in entries)
            {
                if (builder.Sources.TryGetValue(reference, out var first))
                {
                    // Folders that each create the namespaces they use (as kubectl apply -f FOLDER needs) repeat
                    // Namespaces: only their labels are read, so a repeat is a note, not an error.
                    problems.Add(new SourceProblem(location, $"{location}: {reference}{DuplicateMarker}{first}; ignored",
                        IsWarning: reference.Kind == Namespace.KindName));
                    continue;
                }
                builder.Sources[reference] = location;
                if (obj is null || !builder.Add(reference, obj)) { builder.AddInvalid(reference, bad!); }
            }
        }

        return builder.ToSnapshot(ResourceSnapshot.Empty, Order(problems));
    }

    public const string DuplicateMarker = " is a duplicate of the one at ";

    /// <summary>The problem a malformed file adds on its own (its content's problems come on top).</summary>
    public static IEnumerable<SourceProblem> FileProblems(ManifestFile current, ManifestFile? lastGood)
    {
        if (current.SyntaxError is not { } error) { return []; }
        var location = new SourceLocation(current.Path, error.Line);
        var kept = lastGood is null ? "" : "; still serving its last good content";
        return [new SourceProblem(location, $"{location}:{error.Column}: {error.Message}{kept}")];
    }

    public static ImmutableArray<SourceProblem> Order(IEnumerable<SourceProblem> problems) => [.. problems
        .OrderBy(p => p.Location.File, StringComparer.Ordinal)
        .ThenBy(p => p.Location.Line)
        .ThenBy(p => p.Message, StringComparer.Ordinal)];

    /// <summary>How many objects (valid or not) a snapshot holds, for the "Loaded N objects" line.</summary>
    public static int CountObjects(ResourceSnapshot snapshot) => snapshot.Sources.Count;
}
