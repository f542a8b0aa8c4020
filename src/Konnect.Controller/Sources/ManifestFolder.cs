namespace Konnect.Controller.Sources;

/// <summary>What a file looked like when last read. A change in any part means it must be read again.</summary>
/// <param name="Target">The file a symlink points to: Kubernetes ConfigMap volumes replace files by relinking.</param>
internal readonly record struct FileStamp(long Length, DateTime LastWriteUtc, string Target);

/// <summary>Finds the manifest files under a folder the way an editor or a ConfigMap volume leaves them.</summary>
internal static class ManifestFolder
{
    // Symlink loops (a link to a parent folder) would otherwise recurse forever.
    private const int MaxDepth = 32;

    public static bool IsManifestName(string fileName) =>
        !IsIgnored(fileName)
        && (fileName.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
            || fileName.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
            || fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Hidden entries cover ConfigMap volumes' "..data" and "..2024_01_01..." folders (their files are also linked at
    /// the top, so reading both would duplicate every object), and editors' ".#x" locks and ".x.swp" files.
    /// </summary>
    public static bool IsIgnored(string name) =>
        name.StartsWith('.') || name.EndsWith('~') || (name.StartsWith('#') && name.EndsWith('#'))
        || name.EndsWith(".swp", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".swx", StringComparison.OrdinalIgnoreCase);

    /// <summary>Every manifest file under <paramref name="root"/>, following symlinks, with its path relative to root ('/'-separated).</summary>
    public static List<(string FullPath, string RelativePath)> Enumerate(string root)
    {
        var found = new List<(string, string)>();
        if (Directory.Exists(root)) { Walk(root, "", 0, found); }
        found.Sort((a, b) => string.CompareOrdinal(a.Item2, b.Item2));
        return found;
    }

    private static void Walk(string directory, string relative, int depth, List<(string, string)> found)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(directory).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // vanished or unreadable mid-scan; the next scan sees the settled state
        }
        foreach (var entry in entries)
        {
            var name = Path.GetFileName(entry);
            if (IsIgnored(name)) { continue; }
            var path = relative.Length == 0 ? name : $"{relative}/{name}";
            if (Directory.Exists(entry)) // true for symlinks to folders too
            {
                if (depth < MaxDepth) { Walk(entry, path, depth + 1, found); }
            }
            else if (IsManifestName(name) && File.Exists(entry))
            {
                found.Add((entry, path));
            }
        }
    }

    /// <summary>The stamp of the file behind <paramref name="path"/>, or null if it (or its link target) is gone.</summary>
    public static FileStamp? Stamp(string path)
    {
        try
        {
            var info = new FileInfo(path);
            var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
            return target is { Exists: true } ? new FileStamp(target.Length, target.LastWriteTimeUtc, target.FullName) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Where a folder really is; a change means the folder symlink was swapped and the watcher must move.</summary>
    public static string ResolveFolder(string directory)
    {
        try
        {
            var info = new DirectoryInfo(directory);
            return info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return directory;
        }
    }
}
