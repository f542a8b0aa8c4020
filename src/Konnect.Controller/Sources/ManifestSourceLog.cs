using Microsoft.Extensions.Logging;

namespace Konnect.Controller.Sources;

/// <summary>
/// The folder source's log lines. Only counts, paths and problem messages are logged: problem messages are built to
/// name fields and kinds, never values, so a Secret's content cannot reach a log.
/// </summary>
internal static partial class ManifestSourceLog
{
    /// <summary>A reload that changed something; <paramref name="checkedFiles"/> is how many it looked at (the files
    /// the watcher named, or every file when it walked the folder).</summary>
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Loaded {Objects} objects from {Files} files ({Problems} problems), {CheckedFiles} checked in {Milliseconds:F1} ms")]
    public static partial void Loaded(ILogger logger, int objects, int files, int problems, int checkedFiles, double milliseconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void Problem(ILogger logger, string problem);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "{File}: {Count} more problems; `konnect validate {File}` lists them all")]
    public static partial void MoreProblems(ILogger logger, string file, int count);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Watching {Directory} for manifest changes")]
    public static partial void Watching(ILogger logger, string directory);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Cannot watch {Directory} for changes; checking it every {Interval} instead")]
    public static partial void WatchFailed(ILogger logger, string directory, TimeSpan interval, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Reloading manifests from {Directory} failed; still serving the previous content")]
    public static partial void ReloadFailed(ILogger logger, string directory, Exception exception);
}
