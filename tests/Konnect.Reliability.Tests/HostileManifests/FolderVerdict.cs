using Konnect.Controller.Sources;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// Judges how a running gateway took one mutant file, from what it shows an operator: /status for Konnect's kinds,
/// the log for everything else. What there should be to see comes from reading the file as the gateway reads it
/// (<see cref="ManifestSource.LoadPaths"/>): each problem it finds must be logged naming the file, each Konnect object
/// must have a status, a refused object a reason, and an object of another kind that does not decode must be
/// logged too (the gateway drops it; in a cluster the API server would have refused it with a reason).
/// </summary>
internal static class FolderVerdict
{
    private static readonly string[] KonnectKinds = ["KonnectRoute", "KonnectPolicy", "KonnectConsumer"];

    /// <summary>What the gateway must show for one mutant file.</summary>
    /// <param name="NeedsLog">It holds a problem or an undecodable object of another kind: a log line must name the file.</param>
    /// <param name="Objects">The Konnect objects in it (kind, namespace, name): each needs a status.</param>
    /// <param name="Notes">What it is noted for (an ignored kind, unknown fields), each after its "FILE": notes are not refusals.</param>
    public sealed record Expected(bool NeedsLog, IReadOnlyList<ServedObject> Objects, IReadOnlySet<string> Notes);

    public static Expected Expect(string path)
    {
        var snapshot = ManifestSource.LoadPaths([path]);
        var needsLog = snapshot.Problems.Any(p => !p.IsWarning) || snapshot.Invalid.Keys.Any(k => !KonnectKinds.Contains(k.Kind));
        var objects = snapshot.Sources.Keys.Where(k => KonnectKinds.Contains(k.Kind)).Select(k => new ServedObject(k.Kind, k.Namespace, k.Name)).ToList();
        var notes = snapshot.Problems.Where(p => p.IsWarning && p.Message.StartsWith(path, StringComparison.Ordinal)).Select(p => p.Message[path.Length..]);
        return new Expected(needsLog, objects, notes.ToHashSet(StringComparer.Ordinal));
    }

    /// <param name="name">The file as the gateway names it (relative to the folder it serves).</param>
    /// <param name="log">What the gateway wrote since the batch was written.</param>
    public static (Verdict Verdict, string? Detail) Judge(Expected expected, string name, IReadOnlyDictionary<ServedObject, ServedStatus> statuses, string log)
    {
        var lines = log.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(name + ":", StringComparison.Ordinal)).ToList();
        // Notes are not refusals; a count of problems past the first few is not a reason (the first few are).
        var problems = lines.Where(l => !expected.Notes.Contains(l[name.Length..]) && !l.Contains(" more problems; ", StringComparison.Ordinal)).ToList();
        if (expected.NeedsLog && problems.Count == 0)
        {
            return (Verdict.RefusedWithoutReason, "the file holds a problem the gateway did not log (no log line names the file)");
        }
        if (problems.FirstOrDefault(l => ValidateRun.ReasonProblem(name, l) is not null) is { } bare)
        {
            return (Verdict.RefusedWithoutReason, $"{ValidateRun.ReasonProblem(name, bare)}: {ValidateRun.Shorten(bare)}");
        }
        var refused = problems.Count > 0;
        foreach (var obj in expected.Objects)
        {
            if (!statuses.TryGetValue(obj, out var status))
            {
                return (Verdict.RefusedWithoutReason, $"{obj.Kind} {obj.Namespace}/{ValidateRun.Shorten(obj.Name)} has no status");
            }
            foreach (var condition in status.Conditions.Where(c => c.Type == "Accepted" && c.Status != "True"))
            {
                if (string.IsNullOrWhiteSpace(condition.Reason) || ValidateRun.Problem(condition.Message) is { } problem)
                {
                    return (Verdict.RefusedWithoutReason, $"{obj.Kind} {obj.Namespace}/{obj.Name} is not accepted with reason \"{condition.Reason}\": "
                        + $"{ValidateRun.Problem(condition.Message) ?? "no reason"}: {ValidateRun.Shorten(condition.Message)}");
                }
                refused = true;
            }
        }
        return (refused ? Verdict.Refused : Verdict.Accepted, null);
    }
}
