using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Konnect.Model;

namespace Konnect.Controller.Tests.Sources;

public sealed class ManifestSourceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-manifests-").FullName;
    private readonly ResourceStore _store = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LoadOnceAsync_FolderWithSubfoldersAndNoise_ReadsManifestsOnly()
    {
        Write("a.yaml", Service("a"));
        Write("nested/b.yml", Service("b"));
        Write("nested/c.json", """{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "c"}}""");
        Write("notes.txt", Service("txt"));
        Write("a.yaml~", Service("backup"));
        Write(".#a.yaml", Service("lock"));
        Write(".hidden/d.yaml", Service("hidden"));
        Write("a.yaml.swp", Service("swap"));
        using var source = NewSource();

        await source.LoadOnceAsync();

        var snapshot = _store.Current;
        Assert.Equal(["a", "b", "c"], snapshot.Services.Keys.Select(k => k.Name));
        Assert.Equal(new SourceLocation("nested/b.yml", 2), snapshot.Sources[Ref("b")]);
        Assert.Empty(snapshot.Problems);
    }

    [Fact]
    public async Task LoadOnceAsync_DuplicateAcrossFiles_FirstByPathWins()
    {
        Write("b.yaml", Service("x", port: 2));
        Write("a.yaml", Service("x", port: 1) + "---\n" + Service("x", port: 3));
        using var source = NewSource();

        await source.LoadOnceAsync();

        var snapshot = _store.Current;
        Assert.Equal(1, snapshot.Services[Ref("x")].Spec.Ports![0].Port);
        Assert.Equal(new SourceLocation("a.yaml", 2), snapshot.Sources[Ref("x")]);
        Assert.Equal(
            ["a.yaml:9: Service default/x is a duplicate of the one at a.yaml:2; ignored",
             "b.yaml:2: Service default/x is a duplicate of the one at a.yaml:2; ignored"],
            snapshot.Problems.Select(p => p.Message));
    }

    [Fact]
    public async Task LoadOnceAsync_FileTurnsMalformed_KeepsLastGoodContentWithProblem()
    {
        Write("svc.yaml", Service("kept"));
        using var source = NewSource();
        await source.LoadOnceAsync();
        var revision = _store.Revision;

        Write("svc.yaml", Service("new") + "  broken: [\n");
        await source.LoadOnceAsync();

        var snapshot = _store.Current;
        Assert.True(_store.Revision > revision);
        Assert.Equal(["kept"], snapshot.Services.Keys.Select(k => k.Name));
        var problem = Assert.Single(snapshot.Problems);
        Assert.Matches(@"^svc\.yaml:\d+:\d+: .*; still serving its last good content$", problem.Message);
    }

    [Fact]
    public async Task LoadOnceAsync_FileEmptyForAMoment_KeepsItsObjectsThenReadsTheNewContent()
    {
        var clock = new SteppedClock();
        Write("svc.yaml", Service("kept"));
        using var source = NewSource(clock);
        await source.LoadOnceAsync();

        Write("svc.yaml", ""); // what File.WriteAllText or `>` leaves between truncating and writing
        await source.LoadOnceAsync();
        Assert.Equal(["kept"], _store.Current.Services.Keys.Select(k => k.Name));

        Write("svc.yaml", Service("new"));
        await source.LoadOnceAsync();
        Assert.Equal(["new"], _store.Current.Services.Keys.Select(k => k.Name));
    }

    [Fact]
    public async Task LoadOnceAsync_FileStaysEmptyPastTheGrace_ItsObjectsGo()
    {
        var clock = new SteppedClock();
        Write("svc.yaml", Service("emptied"));
        using var source = NewSource(clock);
        await source.LoadOnceAsync();

        Write("svc.yaml", "");
        await source.LoadOnceAsync();
        Assert.Equal(["emptied"], _store.Current.Services.Keys.Select(k => k.Name));
        clock.Advance(new ManifestSourceOptions().EmptyFileGrace);
        await source.LoadOnceAsync();

        Assert.Empty(_store.Current.Services);
    }

    [Fact]
    public async Task StartAsync_EditAfterTheWalkIsDue_ReadsTheEditedFileAlone()
    {
        // The walk of every file (the backstop for missed events) runs on its own schedule. An edit that arrives once
        // it is due is read from the watcher's event alone, not by walking in the edit's place: at 10,000 routes that
        // walk is 2,000 stats before the change's traffic moves.
        if (!OperatingSystem.IsLinux()) { return; } // watcher events are trusted to name the edited file on Linux only
        var clock = new SteppedClock();
        for (var i = 0; i < 20; i++) { Write($"svc{i}.yaml", Service($"s{i}")); }
        var logger = new RecordingLogger();
        using var source = new ManifestSource(_dir, _store, clock, logger, new ManifestSourceOptions { RescanInterval = TimeSpan.FromHours(1) });
        await source.StartAsync(CancellationToken.None);
        Assert.Contains(logger.Lines, l => l.Contains("), 20 checked in ", StringComparison.Ordinal));
        // A first edit shows the loop is waiting on the watcher; the pause lets it go back to waiting, its walk timer
        // (on the real clock) set an hour ahead.
        Write("svc2.yaml", Service("first"));
        await WaitUntil(s => s.Services.ContainsKey(Ref("first")));
        await Task.Delay(300);

        clock.Advance(TimeSpan.FromHours(2)); // the walk is now due, and its timer has not fired
        Write("svc3.yaml", Service("edited"));
        await WaitUntil(s => s.Services.ContainsKey(Ref("edited")));

        // The line is logged just after the store has the edit: wait for the third reload's line (start, first, edit).
        string[] loaded = [];
        for (var i = 0; i < 100 && loaded.Length < 3; i++)
        {
            lock (logger.Lines) { loaded = [.. logger.Lines.Where(l => l.StartsWith("Information: Loaded ", StringComparison.Ordinal))]; }
            if (loaded.Length < 3) { await Task.Delay(20); }
        }
        Assert.Equal(3, loaded.Length);
        Assert.Contains("), 1 checked in ", loaded[2], StringComparison.Ordinal);
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task LoadOnceAsync_NeverParsed_ProblemOnly()
    {
        Write("svc.yaml", "a: [\n");
        using var source = NewSource();

        await source.LoadOnceAsync();

        Assert.DoesNotContain("last good", Assert.Single(_store.Current.Problems).Message);
    }

    [Fact]
    public async Task LoadOnceAsync_NothingChanged_DoesNotBumpRevision()
    {
        Write("svc.yaml", Service("a"));
        using var source = NewSource();
        await source.LoadOnceAsync();
        var revision = _store.Revision;

        await source.LoadOnceAsync();

        Assert.Equal(revision, _store.Revision);
    }

    [Fact]
    public async Task LoadOnceAsync_BrokenSecrets_LogsProblemsWithoutValues()
    {
        Write("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata: { token: \"hunter2-secret!\" }\n");
        Write("broken.yaml", "apiVersion: v1\nkind: Secret\nstringData: { token: \"hunter3-secret\n");
        var logger = new RecordingLogger();
        using var source = new ManifestSource(_dir, _store, null, logger);

        await source.LoadOnceAsync();

        Assert.Contains(logger.Lines, l => l.StartsWith("Information: Loaded 1 objects from 2 files (2 problems)", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.StartsWith("Warning: broken.yaml:", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.StartsWith("Warning: secret.yaml:2: Secret default/s: InvalidSpec: data.token:", StringComparison.Ordinal));
        Assert.Contains("data.token", _store.Current.Invalid[new ObjectRef("Secret", "default", "s")].Message);
        Assert.DoesNotContain(logger.Lines, l => l.Contains("hunter", StringComparison.Ordinal));
        Assert.DoesNotContain(_store.Current.Problems, p => p.Message.Contains("hunter", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadPaths_SameContent_DeterministicSnapshot()
    {
        Write("z.yaml", Service("z") + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\n");
        Write("a/b.yaml", Service("b"));

        var first = ManifestSource.LoadPaths([_dir]);
        var second = ManifestSource.LoadPaths([Path.Combine(_dir, "z.yaml"), _dir]);

        Assert.Equal(first.Services.Keys, second.Services.Keys);
        Assert.Equal(first.Problems.Select(p => p.Message.Replace(_dir + "/", "", StringComparison.Ordinal)),
            second.Problems.Select(p => p.Message.Replace(_dir + "/", "", StringComparison.Ordinal)));
        Assert.Equal($"{_dir}/a/b.yaml", first.Sources[Ref("b")].File);
    }

    [Fact]
    public void LoadPaths_MissingPath_Problem()
    {
        var snapshot = ManifestSource.LoadPaths([Path.Combine(_dir, "nope")]);

        Assert.Contains("no such file or folder", Assert.Single(snapshot.Problems).Message);
    }

    [Fact]
    public async Task StartAsync_FileWrittenThenDeleted_StoreFollows()
    {
        using var source = NewSource();
        await source.StartAsync(CancellationToken.None);

        Write("svc.yaml", Service("late"));
        await WaitUntil(s => s.Services.ContainsKey(Ref("late")));

        File.Delete(Path.Combine(_dir, "svc.yaml"));
        await WaitUntil(s => s.Services.IsEmpty);

        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_ConfigMapWithoutLabel_ReachesTheSnapshotAndFollowsEditsAndDeletion()
    {
        var key = new ObjectRef("ConfigMap", "shop", "orders-openapi");
        Write("api/openapi.yaml", ConfigMap("orders-openapi", "3.0.3") + "---\n" + Service("orders"));
        using var source = NewSource();
        await source.StartAsync(CancellationToken.None);
        await WaitUntil(s => s.ConfigMaps.ContainsKey(key));
        Assert.Equal("openapi: 3.0.3", _store.Current.ConfigMaps[key].GetText("openapi.yaml"));
        Assert.Equal(new SourceLocation("api/openapi.yaml", 2), _store.Current.Sources[key]);

        Write("api/openapi.yaml", ConfigMap("orders-openapi", "3.1.0") + "---\n" + Service("orders"));
        await WaitUntil(s => s.ConfigMaps.TryGetValue(key, out var c) && c.GetText("openapi.yaml") == "openapi: 3.1.0");

        Write("api/openapi.yaml", Service("orders"));
        await WaitUntil(s => s.ConfigMaps.IsEmpty);
        Assert.True(_store.Current.Services.ContainsKey(Ref("orders")));
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task LoadOnceAsync_BrokenConfigMap_LoggedWithItsKeyAndTheOthersKept()
    {
        Write("cm.yaml", ConfigMap("good", "3.1.0") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: bad }\ndata: { openapi.yaml: [3] }\n");
        var logger = new RecordingLogger();
        using var source = new ManifestSource(_dir, _store, null, logger);

        await source.LoadOnceAsync();

        Assert.Equal([new ObjectRef("ConfigMap", "shop", "good")], _store.Current.ConfigMaps.Keys);
        Assert.Contains(logger.Lines, l => l.StartsWith("Warning: cm.yaml:10: ConfigMap default/bad: InvalidSpec: data", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_BurstOfRewrites_EndsWithLastContent()
    {
        Write("svc.yaml", Service("s", port: 0));
        using var source = NewSource();
        await source.StartAsync(CancellationToken.None);

        for (var i = 1; i <= 20; i++) { Write("svc.yaml", Service("s", port: i)); }

        await WaitUntil(s => s.Services.TryGetValue(Ref("s"), out var svc) && svc.Spec.Ports![0].Port == 20);
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_ConfigMapStyleSwap_ReadsNewGeneration()
    {
        if (!OperatingSystem.IsLinux()) { return; } // the swap below is a rename(2) over a symlink, as the kubelet does
        // What the kubelet does: files are links through "..data", which is atomically relinked to a new folder.
        Write("..v1/svc.yaml", Service("v1"));
        File.CreateSymbolicLink(Path.Combine(_dir, "..data"), "..v1");
        File.CreateSymbolicLink(Path.Combine(_dir, "svc.yaml"), "..data/svc.yaml");
        using var source = NewSource();
        await source.StartAsync(CancellationToken.None);
        Assert.True(_store.Current.Services.ContainsKey(Ref("v1")));

        Write("..v2/svc.yaml", Service("v2"));
        File.CreateSymbolicLink(Path.Combine(_dir, "..data_tmp"), "..v2");
        using (var rename = System.Diagnostics.Process.Start("mv", ["-Tf", Path.Combine(_dir, "..data_tmp"), Path.Combine(_dir, "..data")]))
        {
            await rename.WaitForExitAsync();
            Assert.Equal(0, rename.ExitCode);
        }

        await WaitUntil(s => s.Services.Keys.Select(k => k.Name).SequenceEqual(["v2"]));
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_WatcherEventsAlone_EditsDeletesRenamesAndMovedFoldersAllArrive()
    {
        // No periodic rescan within the test: every change must come through the watcher's events, both those that
        // name one manifest file (checked alone) and those that need a walk (a temporary name, a moved folder).
        Write("a.yaml", Service("a"));
        Write("b.yaml", Service("b", port: 1));
        using var source = new ManifestSource(_dir, _store, TimeProvider.System, NullLogger<ManifestSource>.Instance,
            new ManifestSourceOptions { RescanInterval = TimeSpan.FromHours(1) });
        await source.StartAsync(CancellationToken.None);

        Write("b.yaml", Service("b", port: 2));
        await WaitUntil(s => s.Services.TryGetValue(Ref("b"), out var b) && b.Spec.Ports![0].Port == 2);

        File.Delete(Path.Combine(_dir, "a.yaml"));
        await WaitUntil(s => !s.Services.ContainsKey(Ref("a")));

        Write("c.yaml.tmp", Service("c"));
        File.Move(Path.Combine(_dir, "c.yaml.tmp"), Path.Combine(_dir, "c.yaml"));
        await WaitUntil(s => s.Services.ContainsKey(Ref("c")));

        var outside = Directory.CreateTempSubdirectory("konnect-moved-folder-").FullName;
        File.WriteAllText(Path.Combine(outside, "d.yaml"), Service("d"));
        Directory.Move(outside, Path.Combine(_dir, "moved"));
        await WaitUntil(s => s.Services.ContainsKey(Ref("d")));

        Write("moved/d.yaml", Service("d", port: 4));
        await WaitUntil(s => s.Services.TryGetValue(Ref("d"), out var d) && d.Spec.Ports![0].Port == 4);
        Assert.Equal(["b", "c", "d"], _store.Current.Services.Keys.Select(k => k.Name));
        Assert.Empty(_store.Current.Problems);
        Assert.Equal("moved/d.yaml", _store.Current.Sources[Ref("d")].File);

        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_FolderNamedLikeAManifestMovedAway_ItsFilesGo()
    {
        // One event names "conf.yaml", which was a folder: that is not one of the files, so the reload walks.
        Write("conf.yaml/a.yaml", Service("a"));
        Write("b.yaml", Service("b"));
        using var source = new ManifestSource(_dir, _store, TimeProvider.System, NullLogger<ManifestSource>.Instance,
            new ManifestSourceOptions { RescanInterval = TimeSpan.FromHours(1) });
        await source.StartAsync(CancellationToken.None);
        Assert.True(_store.Current.Services.ContainsKey(Ref("a")));

        var outside = Path.Combine(Path.GetTempPath(), "konnect-moved-out-" + Guid.NewGuid().ToString("N"));
        Directory.Move(Path.Combine(_dir, "conf.yaml"), outside);
        try
        {
            await WaitUntil(s => s.Services.Keys.Select(k => k.Name).SequenceEqual(["b"]));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task StartAsync_FileLeftEmpty_ItsObjectsGoWhenTheGraceEndsWithoutAnotherEvent()
    {
        Write("svc.yaml", Service("s"));
        using var source = new ManifestSource(_dir, _store, TimeProvider.System, NullLogger<ManifestSource>.Instance,
            new ManifestSourceOptions { RescanInterval = TimeSpan.FromHours(1), EmptyFileGrace = TimeSpan.FromMilliseconds(300) });
        await source.StartAsync(CancellationToken.None);

        File.WriteAllText(Path.Combine(_dir, "svc.yaml"), "");

        // Held back for the grace, then gone: the end of the grace itself brings the re-read.
        await WaitUntil(s => s.Services.IsEmpty);
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_TwoFolders_AnEditComesThroughTheWatcherUnderTheFoldersName()
    {
        Write("one/a.yaml", Service("a", port: 1));
        Write("two/a.yaml", Service("other"));
        using var source = new ManifestSource([Path.Combine(_dir, "one"), Path.Combine(_dir, "two")], _store,
            TimeProvider.System, NullLogger<ManifestSource>.Instance, new ManifestSourceOptions { RescanInterval = TimeSpan.FromHours(1) });
        await source.StartAsync(CancellationToken.None);

        Write("one/a.yaml", Service("a", port: 2));
        await WaitUntil(s => s.Services.TryGetValue(Ref("a"), out var a) && a.Spec.Ports![0].Port == 2);

        // The edit replaced the file's objects under the same name, rather than adding a second copy of the file.
        Assert.Empty(_store.Current.Problems);
        Assert.Equal(["a", "other"], _store.Current.Services.Keys.Select(k => k.Name));
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_TwoFolders_ServedAsOneAndBothWatched()
    {
        // The same file name in both folders: each is its own file, named by its folder.
        Write("quickstart/a.yaml", Service("route-side"));
        Write("local/a.yaml", Service("loopback-side"));
        using var source = new ManifestSource([Path.Combine(_dir, "quickstart"), Path.Combine(_dir, "local")], _store,
            TimeProvider.System, NullLogger<ManifestSource>.Instance, new ManifestSourceOptions { RescanInterval = TimeSpan.FromMilliseconds(500) });
        await source.StartAsync(CancellationToken.None);

        Assert.Equal(["loopback-side", "route-side"], _store.Current.Services.Keys.Select(k => k.Name));
        Assert.Equal(new SourceLocation($"{_dir}/local/a.yaml", 2), _store.Current.Sources[Ref("loopback-side")]);
        Assert.Empty(_store.Current.Problems);

        Write("local/b.yaml", Service("late"));
        await WaitUntil(s => s.Services.ContainsKey(Ref("late")));
        File.Delete(Path.Combine(_dir, "quickstart", "a.yaml"));
        await WaitUntil(s => s.Services.Keys.Select(k => k.Name).SequenceEqual(["late", "loopback-side"]));

        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task LoadOnceAsync_OneOfTwoFoldersMissing_ServesTheOtherAndNamesTheMissingOne()
    {
        Write("present/a.yaml", Service("a"));
        var missing = Path.Combine(_dir, "missing");
        using var source = new ManifestSource([Path.Combine(_dir, "present"), missing], _store, TimeProvider.System, NullLogger<ManifestSource>.Instance);

        await source.LoadOnceAsync();

        Assert.True(_store.Current.Services.ContainsKey(Ref("a")));
        Assert.Equal($"{missing}: folder not found", Assert.Single(_store.Current.Problems).Message);
    }

    /// <summary>A clock that moves only when told to; timers still run on the system clock.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _now = 1_000_000;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _now, (long)(by.TotalSeconds * TimestampFrequency));

        public override long GetTimestamp() => Interlocked.Read(ref _now);
    }

    private ManifestSource NewSource(TimeProvider clock) => new(_dir, _store, clock, NullLogger<ManifestSource>.Instance);

    private ManifestSource NewSource() => new(_dir, _store, TimeProvider.System, NullLogger<ManifestSource>.Instance,
        new ManifestSourceOptions { RescanInterval = TimeSpan.FromMilliseconds(500) });

    private async Task WaitUntil(Func<ResourceSnapshot, bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var revision = _store.Revision;
            if (condition(_store.Current)) { return; }
            try
            {
                await _store.WaitForChangeAsync(revision, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the store did not reach the expected state within {Patience}; services: "
                    + string.Join(", ", _store.Current.Services.Keys));
            }
        }
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static ObjectRef Ref(string name) => new("Service", "default", name);

    private static string ConfigMap(string name, string version) =>
        $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\ndata:\n  openapi.yaml: \"openapi: {version}\"\n";

    private static string Service(string name, int port = 80) =>
        $"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports: [{{ port: {port} }}]\n";
}
