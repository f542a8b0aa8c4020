using System.Text.Json.Nodes;
using Konnect.Testing;

namespace Konnect.Chart.Tests;

/// <summary>
/// Renders charts/konnect with chart-render/main.go (Go text/template + sprig, Helm's engine), built once per test run
/// with Debian's Go packages in GOPATH mode: no module download, no network.
/// </summary>
internal static class ChartRenderer
{
    public const string ReleaseName = "konnect", Namespace = "konnect-system";

    private static readonly Lazy<Task<string>> Binary = new(BuildAsync);

    /// <summary>Renders with <paramref name="overrides"/> merged over values.yaml (as `helm template -f`).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(JsonObject overrides, bool notes = false)
    {
        var binary = await Binary.Value;
        var valuesFile = Path.Combine(Path.GetDirectoryName(binary)!, $"values-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(valuesFile, overrides.ToJsonString());
        try
        {
            string[] args = ["--chart", ChartFiles.Dir, "--values", valuesFile, "--name", ReleaseName, "--namespace", Namespace];
            return await Repo.RunAsync(binary, notes ? [.. args, "--notes"] : args);
        }
        finally
        {
            File.Delete(valuesFile);
        }
    }

    /// <summary>Renders and parses; a template error fails the test with the renderer's message.</summary>
    public static async Task<RenderedChart> RenderAsync(JsonObject overrides)
    {
        var (exitCode, stdout, stderr) = await RunAsync(overrides);
        Assert.True(exitCode == 0, $"chart-render failed for {overrides.ToJsonString()}:\n{stderr}");
        return new RenderedChart(stdout);
    }

    private static async Task<string> BuildAsync()
    {
        var dir = Directory.CreateTempSubdirectory("konnect-chart-render-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { if (Directory.Exists(dir)) { Directory.Delete(dir, recursive: true); } };
        var binary = Path.Combine(dir, "chart-render");
        // Debian's Go libraries (sprig, sigs.k8s.io/yaml) live in /usr/share/gocode as a GOPATH; the build cache is kept
        // between runs in the temp folder so a rebuild takes a second.
        var environment = new Dictionary<string, string>
        {
            ["GOPATH"] = "/usr/share/gocode",
            ["GO111MODULE"] = "off",
            ["GOFLAGS"] = "",
            ["GOCACHE"] = Path.Combine(Path.GetTempPath(), "konnect-chart-render-gocache"),
        };
        var source = Path.Combine(Repo.Root, "tests", "Konnect.Chart.Tests", "chart-render", "main.go");
        var info = new System.Diagnostics.ProcessStartInfo("go") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment) { info.Environment[name] = value; }
        foreach (var arg in new[] { "build", "-o", binary, source }) { info.ArgumentList.Add(arg); }
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("no `go` binary: apt-get install golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev (.ci/run does)", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"go build tests/Konnect.Chart.Tests/chart-render failed (are golang-github-masterminds-sprig-dev and golang-k8s-sigs-yaml-dev installed?):\n{await stderr}");
            }
        }
        return binary;
    }
}
