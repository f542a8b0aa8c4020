using Konnect.Controller.Sources;
using Konnect.Controller.Translation.Ingresses;
using Konnect.Controller.Store;
using Konnect.Controller;
using Konnect.Model;

namespace Konnect.Commands;

/// <summary>
/// `konnect validate PATH...`: runs the same reader and translator as the gateway over files or folders, for GitOps
/// pipelines. Errors (an object that would be rejected, a file that does not parse) fail the run; unresolved
/// references are warnings by default, since Services and EndpointSlices often live outside the repository.
/// </summary>
public static class ValidateCommand
{
    public static int Run(IReadOnlyList<string> paths, bool strict, TextWriter stdout, TextWriter stderr)
    {
        foreach (var path in paths.Where(p => !File.Exists(p) && !Directory.Exists(p)))
        {
            stderr.WriteLine($"{path}: no such file or folder");
            return 1;
        }
        var snapshot = ManifestSource.LoadPaths(paths);
        var result = Translator.Translate(snapshot);

        var errors = new List<(SourceLocation? At, string Line)>();
        var warnings = new List<(SourceLocation? At, string Line)>();
        // Konnect kinds come back from the translator with a status; what no status carries comes from the files.
        foreach (var problem in ManifestProblems.Of(snapshot))
        {
            if (problem.IsWarning) { stderr.WriteLine(SafeText.Of("note: " + problem.Message)); }
            else { errors.Add((problem.Location, problem.Message)); }
        }
        foreach (var status in result.Statuses)
        {
            // A Gateway API object reports through its parents (routes) and listeners (Gateways), named in the line.
            var conditions = status.Conditions.Select(c => (Where: "", Condition: c))
                .Concat((status.Parents ?? []).SelectMany(p => p.Conditions.Select(c => (Where: $"parent {p.ParentRef.Namespace ?? status.Object.Namespace}/{p.ParentRef.Name}: ", Condition: c))))
                .Concat((status.Listeners ?? []).SelectMany(l => l.Conditions.Select(c => (Where: $"listener {l.Name}: ", Condition: c))));
            // Conflicted is the one condition whose True is the problem.
            foreach (var (where, condition) in conditions.Where(c => c.Condition.Status != (c.Condition.Type == "Conflicted" ? "False" : "True")))
            {
                var line = Describe(snapshot, status.Object, $"{where}{condition.Reason}: {condition.Message}");
                // A key that is present but unusable (private material, garbage) is wrong in the files themselves,
                // unlike a reference that another repository may yet satisfy, so it fails without --strict too.
                if (condition.Type is ConditionTypes.Accepted or "Conflicted" || condition.Reason is "InvalidKey" or "InvalidCertificate") { errors.Add(line); }
                else if (condition.Type == ConditionTypes.ResolvedRefs) { warnings.Add(line); }
            }
        }

        var order = Comparer<(SourceLocation? At, string Line)>.Create((a, b) =>
        {
            var c = string.CompareOrdinal(a.At?.File, b.At?.File);
            if (c == 0) { c = (a.At?.Line ?? 0).CompareTo(b.At?.Line ?? 0); }
            return c != 0 ? c : string.CompareOrdinal(a.Line, b.Line);
        });
        // One line per problem, whatever the files hold: a CR/LF in a quoted value must not forge a line of its own.
        foreach (var (_, line) in errors.Order(order)) { stdout.WriteLine(SafeText.Of(line)); }
        foreach (var (_, line) in warnings.Order(order)) { (strict ? stdout : stderr).WriteLine(SafeText.Of(strict ? line : "warning: " + line)); }

        var objects = snapshot.Routes.Count + snapshot.Policies.Count + snapshot.Consumers.Count + snapshot.Services.Count
            + snapshot.EndpointSlices.Count + snapshot.Secrets.Count + snapshot.ConfigMaps.Count + snapshot.Ingresses.Count
            + snapshot.IngressClasses.Count + snapshot.Namespaces.Count + snapshot.GatewayClasses.Count + snapshot.Gateways.Count + snapshot.HttpRoutes.Count + snapshot.GrpcRoutes.Count
            + snapshot.ReferenceGrants.Count + snapshot.Invalid.Count;
        var failed = errors.Count + (strict ? warnings.Count : 0);
        stderr.WriteLine($"{objects} object(s) checked: {errors.Count} error(s), {warnings.Count} warning(s){(failed > 0 ? "" : "; valid")}");
        return failed > 0 ? 1 : 0;
    }

    private static (SourceLocation?, string) Describe(ResourceSnapshot snapshot, ObjectRef key, string reason)
    {
        // A route an Ingress became is found in the files under the Ingress's own name.
        var at = snapshot.Sources.GetValueOrDefault(IngressParts.IngressOf(key) ?? key);
        return (at, $"{(at is null ? "" : at + ": ")}{key}: {reason}");
    }
}
