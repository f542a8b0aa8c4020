using Konnect.Controller.Store;

namespace Konnect.Controller.Sources;

/// <summary>
/// What is wrong in manifests read from files that no status can carry: the files' own problems (malformed YAML, a
/// document without kind or name, a duplicate, a kind Konnect does not read), and objects of the kinds Konnect reads
/// but owns no status for (Service, EndpointSlice, Secret, ConfigMap) that did not decode. Konnect's own kinds get a
/// status with the reason instead. In a cluster the API server refuses such objects with a reason; in folder mode this
/// is the reason, so `konnect validate` prints it and `konnect run` logs it.
/// </summary>
public static class ManifestProblems
{
    public static IReadOnlyList<SourceProblem> Of(ResourceSnapshot snapshot)
    {
        var problems = new List<SourceProblem>(snapshot.Problems);
        foreach (var (key, invalid) in snapshot.Invalid)
        {
            if (key.Kind is "KonnectRoute" or "KonnectPolicy" or "KonnectConsumer") { continue; }
            var at = snapshot.Sources.GetValueOrDefault(key) ?? new SourceLocation("", 0);
            var where = at.File.Length == 0 ? "" : at + ": ";
            problems.Add(new SourceProblem(at, $"{where}{key}: {invalid.Reason}: {invalid.Message}"));
        }
        return problems;
    }
}
