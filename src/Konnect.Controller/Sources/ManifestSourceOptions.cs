namespace Konnect.Controller.Sources;

/// <summary>Tuning for <see cref="ManifestSource"/>; the defaults suit both `make run` and ConfigMap volumes.</summary>
public sealed record ManifestSourceOptions
{
    /// <summary>
    /// Quiet time after a change before reloading, so an editor's save (truncate, write, rename) or a `kubectl cp`
    /// of many files is read once, complete. A steady stream of changes still reloads after 10x this. Short, because it
    /// is paid by every change before traffic sees it; a half-written file keeps its last good content anyway.
    /// </summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How often the folder is checked even without a change event. File watchers miss events (buffer overflow,
    /// network file systems, a swapped folder symlink), and a check costs one stat per file.
    /// </summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a file that suddenly reads empty keeps its last content. Writers that truncate first (File.WriteAllText,
    /// `>` in a shell, some editors) leave a moment where the file is empty; applying that moment would delete every
    /// object in the file. A file that stays empty this long really was emptied, and its objects go.
    /// </summary>
    public TimeSpan EmptyFileGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Larger files are reported and skipped; ConfigMaps cannot exceed 1 MiB anyway.</summary>
    public long MaxFileBytes { get; init; } = 16 * 1024 * 1024;
}
