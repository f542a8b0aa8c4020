using Konnect.Api.Schema;

namespace Konnect.Commands;

/// <summary>
/// <c>konnect crds [--output dir] [--reference file]</c>: the CRDs this binary understands, so an install can apply
/// exactly the schema of the version it runs (<c>konnect crds | kubectl apply -f -</c>) and <c>make crds</c> can refresh
/// crds/ and, with --reference, the API reference generated from the same schema (docs/reference/api.md).
/// </summary>
public static class CrdsCommand
{
    public static int Run(string? outputDirectory, TextWriter stdout, string? referenceFile = null)
    {
        // stdout stays the CRDs alone when they are printed; with --output it lists every file written.
        if (referenceFile is not null) { ApiReferenceGenerator.Write(referenceFile); }
        if (outputDirectory is not null)
        {
            if (referenceFile is not null) { stdout.WriteLine(referenceFile); }
            CrdGenerator.WriteAll(outputDirectory);
            foreach (var (fileName, _) in CrdGenerator.GenerateAll())
            {
                stdout.WriteLine(Path.Combine(outputDirectory, fileName));
            }
            return 0;
        }
        var first = true;
        foreach (var (_, yaml) in CrdGenerator.GenerateAll())
        {
            if (!first) { stdout.Write("---\n"); }
            first = false;
            stdout.Write(yaml);
        }
        return 0;
    }
}
