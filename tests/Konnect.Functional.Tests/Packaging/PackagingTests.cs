using System.Diagnostics;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Konnect.Testing;

namespace Konnect.Functional.Tests.Packaging;

/// <summary>
/// What can be checked here of the image (no docker daemon on these machines): the Dockerfile restores every project
/// the image builds, its build stage's commands publish a ReadyToRun konnect that starts, every manifest names the
/// image of this version, and `make image` says "skipped" and succeeds without docker. `make e2e` has its own tests (E2eScriptTests).
/// </summary>
[Collection(nameof(ImageBuildCollection))]
public sealed partial class PackagingTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("konnect-packaging-").FullName;

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    [Fact]
    public void Dockerfile_CopiesEveryProjectBeforeRestore()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Repo.Root, "src", "Konnect", "Dockerfile"));
        var restore = dockerfile.IndexOf("RUN dotnet restore", StringComparison.Ordinal);
        Assert.True(restore > 0, "the Dockerfile restores before it copies the sources");

        // The restore layer sees only the copied project files: a project missing there fails the image build.
        foreach (var project in ProjectClosure("src/Konnect/Konnect.csproj", "src/Konnect.Echo/Konnect.Echo.csproj"))
        {
            var copy = $"COPY {project} {Path.GetDirectoryName(project)!.Replace('\\', '/')}/";
            var at = dockerfile.IndexOf(copy, StringComparison.Ordinal);
            Assert.True(at > 0 && at < restore, $"src/Konnect/Dockerfile: no \"{copy}\" before the restore");
        }
        var ignored = File.ReadAllLines(Path.Combine(Repo.Root, ".dockerignore")).Select(l => l.Trim()).ToHashSet();
        Assert.DoesNotContain(ignored, l => l.TrimEnd('/') is "src" or "src/**" or "Directory.Build.props" or "Directory.Packages.props");
    }

    [Fact]
    public void Manifests_NameTheImageOfThisVersion()
    {
        var version = Regex.Match(File.ReadAllText(Path.Combine(Repo.Root, "src", "Konnect", "Konnect.csproj")), "<Version>(.+)</Version>").Groups[1].Value;
        var echo = Regex.Match(File.ReadAllText(Path.Combine(Repo.Root, "src", "Konnect.Echo", "Konnect.Echo.csproj")), "<AssemblyName>(.+)</AssemblyName>").Groups[1].Value;
        var files = Directory.GetFiles(Path.Combine(Repo.Root, "samples"), "*.yaml", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(Repo.Root, "tests", "e2e"), "*.yaml"));

        var images = files.SelectMany(f => File.ReadLines(f).Select(line => (File: f, Line: line.Trim())))
            .Where(l => l.Line.StartsWith("image:", StringComparison.Ordinal) && l.Line.Contains("konnect-dev/konnect", StringComparison.Ordinal))
            .ToList();

        Assert.True(images.Count(i => i.File.Contains($"{Path.DirectorySeparatorChar}quickstart{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) >= 2,
            "samples/quickstart runs orders-v1 and orders-v2 from the Konnect image");
        Assert.All(images, i => Assert.Equal($"image: ghcr.io/konnect-dev/konnect:{version}", i.Line));
        Assert.Contains($"ghcr.io/konnect-dev/konnect:$(VERSION)", File.ReadAllText(Path.Combine(Repo.Root, "Makefile")), StringComparison.Ordinal);
        // The chart's default image tag is its appVersion: it must be the image this version builds.
        var appVersion = Regex.Match(File.ReadAllText(Path.Combine(Repo.Root, "charts", "konnect", "Chart.yaml")), "(?m)^appVersion: \"?([^\"\\s]+)\"?").Groups[1].Value;
        Assert.Equal(version, appVersion);
        // The Deployments start the echo by its path in the image, which is its assembly name under /app.
        Assert.All(files.Where(f => File.ReadAllText(f).Contains("/app/konnect-", StringComparison.Ordinal)),
            f => Assert.Contains($"command: [/app/{echo}]", File.ReadAllText(f), StringComparison.Ordinal));
    }

    [Fact]
    public async Task MakeImage_NoDocker_SaysSkippedAndExitsZero()
    {
        Link("sed"); // the Makefile reads the version with it
        var make = Which("make");

        var (code, stdout, stderr) = await Run(make, ["--no-print-directory", "-C", Repo.Root, "image"]);

        Assert.True(code == 0, stderr);
        Assert.Equal("make image: skipped: docker not found\n", stdout);
    }

    [Fact]
    public async Task Dockerfile_BuildStageCommands_PublishAReadyToRunKonnectThatStarts()
    {
        // No daemon here, so what runs is the build stage's own `RUN dotnet ...` commands, as written, in a folder laid
        // out as its COPY lines lay out /src (the sources without build outputs).
        var src = Directory.CreateTempSubdirectory("konnect-image-src-").FullName;
        try { await RunBuildStageAsync(src); }
        finally { Directory.Delete(src, recursive: true); }
    }

    private static async Task RunBuildStageAsync(string src)
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "src", "Konnect", "Dockerfile"));
        // The build stage: up to the second FROM. Continued lines joined, as docker reads them.
        var stage = Continuation().Replace(dockerfile.Split("\nFROM ")[1], " ");
        var commands = stage.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("RUN dotnet ", StringComparison.Ordinal))
            .Select(l => l["RUN ".Length..]).ToList();
        Assert.Equal(2, commands.Count); // restore, then publish

        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" }) { File.Copy(Path.Combine(Repo.Root, file), Path.Combine(src, file)); }
        CopySources(Path.Combine(Repo.Root, "src"), Path.Combine(src, "src"));
        var app = Path.Combine(src, "app");

        foreach (var command in commands)
        {
            var info = Repo.StartInfo("bash", "-c", AppFolder().Replace(command, app));
            info.WorkingDirectory = src;
            // No build servers left running after the test (the commands themselves stay as written).
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            info.Environment["UseSharedCompilation"] = "false";
            var (code, stdout, stderr) = await Repo.RunAsync(info, TimeSpan.FromMinutes(10));
            Assert.True(code == 0, $"{command}\n{stdout}\n{stderr}");
        }

        foreach (var assembly in new[] { "konnect.dll", "Konnect.Gateway.dll", "Konnect.Controller.dll", "Yarp.ReverseProxy.dll", "konnect-echo.dll" })
        {
            using var pe = new PEReader(File.OpenRead(Path.Combine(app, assembly)));
            Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{assembly} is not ReadyToRun code");
        }
        var (exit, version, error) = await Repo.RunAsync(Repo.StartInfo(Path.Combine(app, "konnect"), "version"), TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, error);
        Assert.StartsWith("konnect ", version, StringComparison.Ordinal);
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) { File.Copy(file, Path.Combine(to, Path.GetFileName(file))); }
        foreach (var folder in Directory.GetDirectories(from).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
        {
            CopySources(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }

    /// <summary>Runs a program with PATH set to this test's bin folder only (so no docker, whatever the machine has).</summary>
    private async Task<(int Code, string Stdout, string Stderr)> Run(string file, string[] args)
    {
        var info = Repo.StartInfo(file, args);
        info.Environment["PATH"] = _bin;
        return await Repo.RunAsync(info, TimeSpan.FromSeconds(60));
    }

    private void Link(string tool) => File.CreateSymbolicLink(Path.Combine(_bin, tool), Which(tool));

    private static string Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{tool} is not on PATH");

    /// <summary>The given projects and every project they reference, transitively, as repository-relative paths.</summary>
    private static SortedSet<string> ProjectClosure(params string[] roots)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(roots);
        while (pending.TryPop(out var project))
        {
            if (!found.Add(project)) { continue; }
            var folder = Path.GetDirectoryName(project)!;
            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(Path.Combine(Repo.Root, project))))
            {
                var full = Path.GetFullPath(Path.Combine(Repo.Root, folder, reference.Groups[1].Value));
                pending.Push(Path.GetRelativePath(Repo.Root, full).Replace('\\', '/'));
            }
        }
        return found;
    }

    [GeneratedRegex("<ProjectReference Include=\"([^\"]+)\"")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex Continuation();

    // "-o /app" in the publish commands.
    [GeneratedRegex(@"(?<=\s)/app(?=\s|$)")]
    private static partial Regex AppFolder();
}

/// <summary>
/// Publishing the image's apps keeps both cores busy for half a minute: the packaging tests run alone, after the
/// others, so the timing of no other test depends on it.
/// </summary>
[CollectionDefinition(nameof(ImageBuildCollection), DisableParallelization = true)]
public sealed class ImageBuildCollection;
