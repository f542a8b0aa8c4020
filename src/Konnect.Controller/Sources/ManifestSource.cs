using Konnect.Controller.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Konnect.Controller.Sources;

/// <summary>
/// Serves one or more folders of manifests (*.yaml, *.yml, *.json, recursively) through the <see cref="ResourceStore"/>
/// as one snapshot, and reloads them when files change. A file that turns malformed keeps serving what it last held,
/// so a half-saved edit never takes routes down; everything else still updates.
/// </summary>
public sealed class ManifestSource : IHostedService, IDisposable
{
    private readonly string[] _directories;
    private readonly ResourceStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<ManifestSource> _logger;
    private readonly ManifestSourceOptions _options;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, (FileStamp Stamp, ManifestFileState State)> _files = new(StringComparer.Ordinal);
    // Files that held objects and now read empty, since when (a timestamp of _time): see HoldsBackEmpty.
    private readonly Dictionary<string, long> _emptySince = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();
    private readonly FileSystemWatcher?[] _watchers;
    // What the watchers named since the last reload (name → full path); null when something needs a walk of every file.
    private readonly Lock _hintsLock = new();
    private Dictionary<string, string>? _hints;
    // When the last walk of every file ran (a timestamp of _time), and whether it met a symlink: an edit behind a link
    // is named by its target's path alone, so hints are only trusted in folders without links.
    private long _lastWalk;
    private bool _linksSeen;
    private readonly string?[] _watchedFolders;
    private ResourceSnapshot? _lastSnapshot;
    private readonly ManifestProblemLog _problemLog;
    private Task? _loop;
    private bool _loaded;
    private string _missingFolders = "";
    private bool _disposed;

    public ManifestSource(string directory, ResourceStore store, TimeProvider? timeProvider, ILogger<ManifestSource> logger,
        ManifestSourceOptions? options = null)
        : this([directory], store, timeProvider, logger, options)
    {
    }

    /// <summary>
    /// Several folders read as one (`konnect run --manifests A --manifests B`): `make run` serves the cluster quick start
    /// beside the folder-mode-only files that stand in for what a cluster would provide.
    /// </summary>
    public ManifestSource(IReadOnlyList<string> directories, ResourceStore store, TimeProvider? timeProvider, ILogger<ManifestSource> logger,
        ManifestSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directories);
        if (directories.Count == 0) { throw new ArgumentException("at least one folder is needed", nameof(directories)); }
        _directories = [.. directories];
        _watchers = new FileSystemWatcher?[_directories.Length];
        _watchedFolders = new string?[_directories.Length];
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger;
        _options = options ?? new ManifestSourceOptions();
        _problemLog = new ManifestProblemLog(logger);
    }

    /// <summary>Reads the folder once and replaces the store's snapshot if anything changed (always, the first time).</summary>
    public Task LoadOnceAsync(CancellationToken cancellationToken = default) => LoadOnceAsync(useHints: false, cancellationToken);

    /// <param name="useHints">Woken by the watchers: when every event named a plain manifest file, only those are checked.</param>
    private async Task LoadOnceAsync(bool useHints, CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var hinted = TakeHints();
            // The walk, the backstop for anything the hints miss, runs on its own schedule (RunAsync) and never in a
            // change's place: a change that came due for it paid the walk (2,000 stats at 10,000 routes) before its
            // traffic moved, one change in six of the bench's.
            var trusted = useHints && !_linksSeen && OperatingSystem.IsLinux();
            await ReloadAsync(trusted ? hinted : null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reloading.Release();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await LoadOnceAsync(cancellationToken).ConfigureAwait(false);
        Watch();
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        DisposeWatchers();
        if (_loop is not null)
        {
            try { await _loop.WaitAsync(cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { /* stopping is the point */ }
        }
    }

    public void Dispose()
    {
        if (_disposed) { return; }
        _disposed = true;
        _stopping.Cancel();
        DisposeWatchers();
        _stopping.Dispose();
        _reloading.Dispose();
    }

    /// <summary>Reads files and folders once, for `konnect validate`; a path to a file is read whatever its extension.</summary>
    public static ResourceSnapshot LoadPaths(IEnumerable<string> paths)
    {
        var files = new List<ManifestFileState>();
        var problems = new List<SourceProblem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var found = Directory.Exists(path)
                ? ManifestFolder.Enumerate(path).Select(f => (f.FullPath, Display: $"{path.TrimEnd('/', '\\')}/{f.RelativePath}"))
                : File.Exists(path) ? [(path, path)] : null;
            if (found is null)
            {
                problems.Add(new SourceProblem(new SourceLocation(path, 0), $"{path}: no such file or folder"));
                continue;
            }
            foreach (var (full, display) in found)
            {
                // The limit `konnect run` applies: validate must not pass a file that run refuses.
                if (seen.Add(Path.GetFullPath(full))) { files.Add(new ManifestFileState(ReadFile(full, display, new ManifestSourceOptions().MaxFileBytes), null)); }
            }
        }
        return ManifestSnapshot.Build(files, problems);
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // The walk is due RescanInterval after the last one, however often events come in between (never
                // when the interval is infinite: watcher events alone).
                var walkIn = _options.RescanInterval == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan
                    : _options.RescanInterval - _time.GetElapsedTime(_lastWalk);
                var woken = (walkIn > TimeSpan.Zero || walkIn == Timeout.InfiniteTimeSpan)
                    && await WaitAsync(Volatile.Read(ref _changed).Task, walkIn, stopping).ConfigureAwait(false);
                if (woken)
                {
                    await DebounceAsync(stopping).ConfigureAwait(false);
                }
                if (!woken && _directories.Where((d, i) => ManifestFolder.ResolveFolder(d) != _watchedFolders[i]).Any())
                {
                    Watch(); // a folder (or the symlink that is the folder) was replaced, or it did not exist before
                }
                await LoadOnceAsync(useHints: woken, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _lastWalk = _time.GetTimestamp(); // the next walk waits its interval rather than retrying at once
                ManifestSourceLog.ReloadFailed(_logger, string.Join(", ", _directories), ex);
            }
        }
    }

    /// <summary>Waits until no change has come for one Debounce, or 10 Debounces in all, whichever is first.</summary>
    private async Task DebounceAsync(CancellationToken stopping)
    {
        var started = _time.GetTimestamp();
        var limit = _options.Debounce * 10;
        while (true)
        {
            // Events that raced with this reset are not lost: the reload that follows reads the files after it.
            var next = NewSignal();
            Interlocked.Exchange(ref _changed, next);
            var left = limit - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) { return; }
            if (!await WaitAsync(next.Task, left < _options.Debounce ? left : _options.Debounce, stopping).ConfigureAwait(false)) { return; }
        }
    }

    private async Task<bool> WaitAsync(Task signal, TimeSpan timeout, CancellationToken stopping)
    {
        if (signal.IsCompleted) { return true; }
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var first = await Task.WhenAny(signal, Task.Delay(timeout, _time, timer.Token)).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        stopping.ThrowIfCancellationRequested();
        return first == signal;
    }

    private void Watch()
    {
        DisposeWatchers();
        for (var i = 0; i < _directories.Length; i++) { _watchers[i] = Watch(i); }
    }

    private FileSystemWatcher? Watch(int index)
    {
        var directory = _directories[index];
        _watchedFolders[index] = ManifestFolder.ResolveFolder(directory);
        if (!Directory.Exists(directory)) { return null; } // rescans notice when it appears
        try
        {
            var watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                InternalBufferSize = 64 * 1024,
            };
            // Every event schedules a reload, so names are not filtered here: a ConfigMap update is a rename of the
            // hidden "..data" link, which a *.yaml filter would miss. An event naming anything but a plain manifest
            // file (that link, a folder, a temporary file) makes the reload walk every file.
            watcher.Changed += (_, e) => Hint(index, e.FullPath);
            watcher.Created += (_, e) => Hint(index, e.FullPath);
            watcher.Deleted += (_, e) => Hint(index, e.FullPath);
            watcher.Renamed += (_, e) => { Hint(index, e.OldFullPath); Hint(index, e.FullPath); };
            watcher.Error += (_, _) => Hint(index, null);
            watcher.EnableRaisingEvents = true;
            ManifestSourceLog.Watching(_logger, directory);
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            ManifestSourceLog.WatchFailed(_logger, directory, _options.RescanInterval, ex);
            return null;
        }
    }

    private void DisposeWatchers()
    {
        for (var i = 0; i < _watchers.Length; i++)
        {
            _watchers[i]?.Dispose();
            _watchers[i] = null;
        }
    }

    private void Signal() => Volatile.Read(ref _changed).TrySetResult();

    /// <summary>Notes what a watcher event in folder <paramref name="index"/> named, then schedules a reload; null (or anything unusual) means "walk it all".</summary>
    private void Hint(int index, string? path)
    {
        lock (_hintsLock)
        {
            if (_hints is not null && path is not null && PlainManifestName(index, path) is { } name && FullPath(path) is { } full) { _hints[name] = full; }
            else { _hints = null; }
        }
        Signal();
    }

    /// <summary>The files the watchers named since the last reload (name → full path), or null when it must walk every file.</summary>
    private Dictionary<string, string>? TakeHints()
    {
        lock (_hintsLock)
        {
            var hints = _hints;
            _hints = new Dictionary<string, string>(StringComparer.Ordinal);
            return hints;
        }
    }

    private static string? FullPath(string path)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException) { return null; }
    }

    /// <summary>The name a walk would give <paramref name="path"/>, when it is a manifest file name under no hidden folder; else null.</summary>
    private string? PlainManifestName(int index, string path)
    {
        var directory = _directories[index];
        string relative;
        try { relative = Path.GetRelativePath(directory, path).Replace('\\', '/'); }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException) { return null; }
        if (Path.IsPathRooted(relative) || relative.StartsWith("..", StringComparison.Ordinal)) { return null; }
        var segments = relative.Split('/');
        if (segments.Length > ManifestFolder.MaxDepth || segments.Any(ManifestFolder.IsIgnored) || !ManifestFolder.IsManifestName(segments[^1])) { return null; }
        return _directories.Length == 1 ? relative : $"{directory.TrimEnd('/', '\\')}/{relative}";
    }

    /// <summary>Re-reads changed files only; publishes a snapshot only when something changed.</summary>
    /// <param name="hinted">The only files that can have changed (name → full path), or null to walk every file.</param>
    private async Task ReloadAsync(Dictionary<string, string>? hinted, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var checkedFiles = 0;
        var changed = !_loaded;
        var missing = _directories.Where(d => !Directory.Exists(d)).ToArray();
        var missingFolders = string.Join('\n', missing);
        var foldersChanged = missingFolders != _missingFolders;
        changed |= foldersChanged;
        _missingFolders = missingFolders;
        var changes = new List<ManifestFileChange>();

        // A change to a few named files (an edit, a rename into place) checks those alone instead of every file (a
        // stat each: 2,000 at 10,000 routes). Anything a walk would see differently takes the walk.
        // A gone path that was no file of ours may have been a folder (named like a manifest) holding some: walk.
        if (hinted is not null && _loaded && !foldersChanged && hinted.All(h => IsPlainFile(h.Value) && (File.Exists(h.Value) || _files.ContainsKey(h.Key))))
        {
            foreach (var (name, full) in hinted)
            {
                checkedFiles++;
                if (File.Exists(full) && ManifestFolder.Stamp(full) is { } stamp) { changed |= await ConsiderAsync(full, name, stamp).ConfigureAwait(false); }
                else if (_files.ContainsKey(name)) { Forget(name); }
            }
        }
        else
        {
            _lastWalk = _time.GetTimestamp();
            _linksSeen = false;
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (full, name, found) in _directories.SelectMany(Enumerate))
            {
                if (found is not { } stamp) { continue; }
                checkedFiles++;
                present.Add(name);
                changed |= await ConsiderAsync(full, name, stamp).ConfigureAwait(false);
            }
            foreach (var gone in _files.Keys.Where(k => !present.Contains(k)).ToList()) { Forget(gone); }
        }

        void Forget(string name)
        {
            changes.Add(new ManifestFileChange(name, _files[name].State, null));
            _files.Remove(name);
            _emptySince.Remove(name);
            changed = true;
        }

        // Reads the file when its stamp moved; true when its state changed.
        async Task<bool> ConsiderAsync(string full, string name, FileStamp stamp)
        {
            var known = _files.TryGetValue(name, out var previous);
            if (known && previous.Stamp == stamp) { return false; }

            var file = await Task.Run(() => ReadFile(full, name, _options.MaxFileBytes), cancellationToken).ConfigureAwait(false);
            if (known && HoldsBackEmpty(name, file, previous.State))
            {
                return false; // the stamp is not recorded, so the next pass reads the file again
            }
            _emptySince.Remove(name);
            var lastGood = file.IsWellFormed ? null : known && previous.State.Current.IsWellFormed ? previous.State.Current : previous.State.LastGood;
            _files[name] = (stamp, new ManifestFileState(file, lastGood));
            changes.Add(new ManifestFileChange(name, known ? previous.State : null, _files[name].State));
            return true;
        }
        if (!changed) { return; }

        // A few edited files update the last snapshot in place of a rebuild from every file (see ManifestSnapshotUpdate).
        var updated = _lastSnapshot is not null && _loaded && !foldersChanged ? ManifestSnapshotUpdate.TryApply(_lastSnapshot, changes) : null;
        var folderProblems = missing.Select(d => new SourceProblem(new SourceLocation(d, 0), $"{d}: folder not found"));
        // An update keeps every untouched instance itself; only a full rebuild needs the walk that finds them again.
        var snapshot = updated ?? SnapshotSharing.Share(_lastSnapshot, ManifestSnapshot.Build(_files.Values.Select(f => f.State), folderProblems));
        _store.Replace(snapshot);
        _lastSnapshot = snapshot;
        _loaded = true;
        var problems = ManifestProblems.Of(snapshot);
        ManifestSourceLog.Loaded(_logger, ManifestSnapshot.CountObjects(snapshot), _files.Count, problems.Count, checkedFiles,
            _time.GetElapsedTime(started).TotalMilliseconds);
        _problemLog.Log(problems);
    }

    /// <summary>A regular file, or one that is gone (a deletion); a folder or a symlink needs the walk's rules.</summary>
    private static bool IsPlainFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return !info.Exists ? !Directory.Exists(path) : info.LinkTarget is null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A folder's manifest files; with several folders, a file is named by its folder too, so names stay distinct.</summary>
    private IEnumerable<(string FullPath, string Name, FileStamp? Stamp)> Enumerate(string directory)
    {
        var entries = ManifestFolder.Enumerate(directory, out var links);
        _linksSeen |= links;
        return _directories.Length == 1
            ? entries.Select(f => (f.FullPath, f.RelativePath, f.Stamp))
            : entries.Select(f => (f.FullPath, $"{directory.TrimEnd('/', '\\')}/{f.RelativePath}", f.Stamp));
    }

    /// <summary>
    /// True while a file that held objects reads empty for less than <see cref="ManifestSourceOptions.EmptyFileGrace"/>:
    /// most likely a writer between truncating and writing. A pass is scheduled for when the grace ends.
    /// </summary>
    private bool HoldsBackEmpty(string name, ManifestFile file, ManifestFileState previous)
    {
        var empty = file.IsWellFormed && file.Objects.IsEmpty && file.Invalid.IsEmpty && file.Problems.IsEmpty;
        if (!empty || previous.Current.Objects.IsEmpty) { return false; }
        var now = _time.GetTimestamp();
        if (!_emptySince.TryGetValue(name, out var since))
        {
            _emptySince[name] = since = now;
            // A walk when the grace ends: no watcher event will name the file again if it stays empty.
            _ = Task.Delay(_options.EmptyFileGrace, _time).ContinueWith(_ => Hint(0, null), TaskScheduler.Default);
        }
        return _time.GetElapsedTime(since, now) < _options.EmptyFileGrace;
    }

    private static ManifestFile ReadFile(string fullPath, string display, long maxBytes)
    {
        try
        {
            var length = new FileInfo(fullPath).Length;
            if (length > maxBytes)
            {
                return ManifestFile.Unreadable(display, 1, 1, $"the file is {length} bytes, more than the {maxBytes} a manifest file may have");
            }
            return ManifestText.Decode(File.ReadAllBytes(fullPath), out var line, out var column, out var problem) is { } text
                ? ManifestReader.Read(display, text)
                : ManifestFile.Unreadable(display, line, column, problem);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ManifestFile.Unreadable(display, 1, 1, $"cannot read the file: {ex.Message}");
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
