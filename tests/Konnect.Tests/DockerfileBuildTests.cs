using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Konnect.Tests.Infrastructure;

namespace Konnect.Tests;

/// <summary>
/// No docker daemon runs on these machines, so the image has never been built here. What can run is the Dockerfile's
/// own build stage: its `RUN dotnet ...` commands, as written, in a folder laid out as its COPY lines lay out /src.
/// They must restore, publish ReadyToRun for this machine and give an /app whose konnect starts.
/// </summary>
public sealed partial class DockerfileBuildTests : IDisposable
{
    private readonly string _src = Directory.CreateTempSubdirectory("konnect-image-src-").FullName;

    public void Dispose() => Directory.Delete(_src, recursive: true);

    [Fact]
    public async Task BuildStage_Commands_PublishAReadyToRunKonnectThatStarts()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "src", "Konnect", "Dockerfile"));
        // The build stage: up to the second FROM. Continued lines joined, as docker reads them.
        var stage = Continuation().Replace(dockerfile.Split("\nFROM ")[1], " ");
        var commands = stage.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("RUN dotnet ", StringComparison.Ordinal))
            .Select(l => l["RUN ".Length..]).ToList();
        Assert.Equal(2, commands.Count); // restore, then publish

        // The COPY lines give /src the two props files and src/ (here without build outputs).
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" }) { File.Copy(Path.Combine(Repo.Root, file), Path.Combine(_src, file)); }
        CopySources(Path.Combine(Repo.Root, "src"), Path.Combine(_src, "src"));
        var app = Path.Combine(_src, "app");

        foreach (var command in commands)
        {
            var info = Repo.StartInfo("bash", "-c", AppFolder().Replace(command, app));
            info.WorkingDirectory = _src;
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

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex Continuation();

    // "-o /app" in the publish commands.
    [GeneratedRegex(@"(?<=\s)/app(?=\s|$)")]
    private static partial Regex AppFolder();
}
