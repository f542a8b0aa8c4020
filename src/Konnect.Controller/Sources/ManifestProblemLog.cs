using Konnect.Controller.Store;
using Konnect.Model;
using Microsoft.Extensions.Logging;

namespace Konnect.Controller.Sources;

/// <summary>
/// Logs each problem of a folder once, on the reload it appears in. Logging every problem again on each reload let
/// one file with thousands of them (duplicate documents, say) write megabytes of log for every edit of any other
/// file, and a reload waited on the full console log queue meanwhile, so the one new problem an operator was looking
/// for came seconds late, buried. A file logs at most <see cref="MaxPerFile"/> new problems per reload and a count of
/// the rest; `konnect validate` lists them all.
/// </summary>
internal sealed class ManifestProblemLog(ILogger logger)
{
    public const int MaxPerFile = 20;

    // What the last reload found (logged then, or counted): a problem that stays is not logged again.
    private HashSet<string> _known = new(StringComparer.Ordinal);

    public void Log(IReadOnlyList<SourceProblem> problems)
    {
        foreach (var file in problems.Where(p => !_known.Contains(p.Message)).GroupBy(p => p.Location.File, StringComparer.Ordinal))
        {
            var count = 0;
            foreach (var problem in file)
            {
                if (++count <= MaxPerFile) { ManifestSourceLog.Problem(logger, SafeText.Of(problem.Message)); }
            }
            if (count > MaxPerFile) { ManifestSourceLog.MoreProblems(logger, SafeText.Of(file.Key), count - MaxPerFile); }
        }
        _known = problems.Select(p => p.Message).ToHashSet(StringComparer.Ordinal);
    }
}
