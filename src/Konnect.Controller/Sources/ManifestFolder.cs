namespace Konnect.Controller.Sources;

/// <summary>What a file looked like when last read. A change in any part means it must be read again.</summary>
/// <param name="Target">The file a symlink points to: Kubernetes ConfigMap volumes replace files by relinking.</param>
internal readonly record struct FileStamp(long Length, DateTime LastWriteUtc, string Target);

/// <summary>One manifest file found under a folder: where it is, its name relative to the folder, its stamp.</summary>
internal readonly record struct ManifestFolderEntry(string FullPath, string RelativePath, FileStamp? Stamp);

/// <summary>Finds the manifest files under a folder the way an editor or a ConfigMap volume leaves them.</summary>
internal static class ManifestFolder
{
    // Symlink loops (a link to a parent folder) would otherwise recurse forever.
    public const int MaxDepth = 32;

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

    /// <summary>
    /// Every manifest file under <paramref name="root"/>, following symlinks, with its path relative to root
    /// ('/'-separated) and its stamp (null if it vanished mid-scan).
    /// </summary>
    public static List<ManifestFolderEntry> Enumerate(string root) => Enumerate(root, out _);

    /// <param name="links">Whether any file or folder on the way was a symlink (a ConfigMap volume, an alias folder).</param>
    public static List<ManifestFolderEntry> Enumerate(string root, out bool links)
    {
        var found = new List<ManifestFolderEntry>();
        links = false;
        if (Directory.Exists(root)) { Walk(root, "", 0, found, ref links); }
        found.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return found;
    }

    // A rescan stats every file (2,000 at 10,000 routes, on each change and every 2 s): the directory listing's own
    // metadata serves plain files and folders with one stat each; only symlinks (ConfigMap volumes) are resolved.
    private static void Walk(string directory, string relative, int depth, List<ManifestFolderEntry> found, ref bool links)
    {
        List<FileSystemInfo> entries;
        try
        {
            entries = new DirectoryInfo(directory).EnumerateFileSystemInfos().ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // vanished or unreadable mid-scan; the next scan sees the settled state
        }
        foreach (var entry in entries)
        {
            var name = entry.Name;
            if (IsIgnored(name)) { continue; }
            var path = relative.Length == 0 ? name : $"{relative}/{name}";
            var full = entry.FullName;
            try
            {
                var link = entry.Attributes.HasFlag(FileAttributes.ReparsePoint);
                links |= link;
                if (link ? Directory.Exists(full) : entry is DirectoryInfo) // a folder, or a symlink to one
                {
                    if (depth < MaxDepth) { Walk(full, path, depth + 1, found, ref links); }
                }
                else if (IsManifestName(name) && (!link || File.Exists(full)))
                {
                    var stamp = link ? Stamp(full) : new FileStamp(((FileInfo)entry).Length, entry.LastWriteTimeUtc, full);
                    found.Add(new ManifestFolderEntry(full, path, stamp));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // vanished between the listing and its stat; the next scan sees the settled state
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
