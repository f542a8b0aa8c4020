using Konnect.Api.Schema;

namespace Konnect.Commands;

/// <summary>
/// <c>konnect crds [dir]</c>: the CRDs this binary understands, so an install can apply exactly the schema of the
/// version it runs (<c>konnect crds | kubectl apply -f -</c>) and <c>make crds</c> can refresh crds/.
/// </summary>
public static class CrdsCommand
{
    public static int Run(string? outputDirectory, TextWriter stdout)
    {
        if (outputDirectory is not null)
        {
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
