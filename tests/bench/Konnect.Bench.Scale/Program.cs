// `make bench`, scale part (issue #9 parts 2-3): propagation of route and endpoint changes, memory and start-up of the
// real Release `konnect` binary at 100 / 1,000 / 10,000 routes, from a folder and from the fake Kubernetes API server.
// Settings (environment): SIZES (100,1000,10000), CLUSTER_SIZES (1000,10000; empty for none), HTTPROUTE_SIZES (10000; empty for none), CHANGES (20),
// ROUTES_PER_HOST (5), CHANGE_TIMEOUT_MS (10000), QUIET_MS (see ScaleSettings), KONNECT_BIN (src/Konnect/bin/$CONFIG/net10.0/konnect).
using System.Diagnostics;
using Konnect.Bench.Scale;

var root = FindRepositoryRoot();
var settings = ScaleSettings.FromEnvironment(root);
var clock = Stopwatch.StartNew();
await using var a = await Upstream.StartAsync("A");
await using var b = await Upstream.StartAsync("B");
var run = new ScaleRun(settings, a, b);
var runs = new List<RunResult>();

Startup quickStart;
await using (var source = new FolderSource())
{
    quickStart = (await run.RunAsync(source, 3, changes: false)).Startup;
}
foreach (var size in settings.Sizes)
{
    await using var source = new FolderSource();
    runs.Add(await run.RunAsync(source, size));
}
foreach (var size in settings.HttpRouteSizes)
{
    await using var source = new FolderSource("folder, HTTPRoute");
    runs.Add(await run.RunAsync(source, size, httpRoutes: true));
}
foreach (var size in settings.ClusterSizes)
{
    await using var source = new ClusterSource();
    runs.Add(await run.RunAsync(source, size));
}

ScaleReport.Print(Console.Out, settings, runs, quickStart);
Console.WriteLine($"(scale part took {clock.Elapsed.TotalMinutes:F1} min; command: make bench, or dotnet run -c Release --project tests/bench/Konnect.Bench.Scale)");
return runs.Sum(r => r.WrongAnswers) == 0 ? 0 : 1;

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Konnect.sln"))) { return dir.FullName; }
    }
    throw new InvalidOperationException("run from inside the Konnect repository (Konnect.sln not found above the current folder)");
}
