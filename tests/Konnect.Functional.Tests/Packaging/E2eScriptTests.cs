using System.Diagnostics;
using Konnect.Testing;

namespace Konnect.Functional.Tests.Packaging;

/// <summary>
/// tests/e2e/run.sh (`make e2e`) as far as it can run without a docker daemon, k3d or helm: it says "skipped" when
/// they are missing, and its traffic checks run for real — real curl against the real `konnect` serving the quick
/// start and the API-key sample on loopback — with docker, k3d, helm and kubectl replaced by stubs that record their
/// calls (kubectl's status answer is canned, so these tests check how the script reads it, not Konnect's status).
/// </summary>
public sealed class E2eScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-e2e-script-").FullName;
    private readonly List<Process> _processes = [];

    public E2eScriptTests() => Directory.CreateDirectory(Bin);

    private string Bin => Path.Combine(_dir, "bin");

    private string Calls => Path.Combine(_dir, "calls");

    public void Dispose()
    {
        Repo.Stop([.. _processes]);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task NoToolsOnPath_SaysSkippedAndExitsZero()
    {
        var (code, stdout, _) = await RunScript(path: Bin);

        Assert.Equal(0, code);
        Assert.Equal("make e2e: skipped: docker k3d helm kubectl curl not available\n", stdout);
    }

    [Fact]
    public async Task DockerDaemonDown_SaysSkippedAndTouchesNoCluster()
    {
        StubTools(dockerExit: 1); // the docker command is there, its daemon is not

        var (code, stdout, _) = await RunScript(path: Bin);

        Assert.Equal(0, code);
        Assert.Equal("make e2e: skipped: docker daemon not available (docker info failed)\n", stdout);
        Assert.Equal(["docker info"], File.ReadAllLines(Calls));
    }

    [Fact]
    public async Task StubbedCluster_SamplesServedCorrectly_PassesAndTearsDown()
    {
        StubTools(dockerExit: 0);
        var port = await ServeSamplesAsync(orders => orders);

        var (code, stdout, stderr) = await RunScript(path: $"{Bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}", port);

        Assert.True(code == 0, stderr);
        Assert.Equal("make e2e: passed\n", stdout);
        Assert.Contains("e2e: ok: x-canary: true reached orders-v2 ten times out of ten", stderr);
        Assert.Contains("e2e: ok: partners.example.com/orders without a key: HTTP 401", stderr);
        var calls = File.ReadAllLines(Calls);
        Assert.Contains(calls, c => c.StartsWith("helm install konnect charts/konnect -n konnect --create-namespace", StringComparison.Ordinal) && c.Contains("--set image.pullPolicy=Never", StringComparison.Ordinal));
        Assert.StartsWith("k3d cluster delete konnect-e2e-", calls[^1]);
    }

    [Fact]
    public async Task StubbedCluster_CanaryReachesV1_FailsNamingItAndStillTearsDown()
    {
        StubTools(dockerExit: 0);
        // The canary rule's one backend is the first orders-v2 reference in the file.
        var port = await ServeSamplesAsync(orders =>
        {
            const string canary = "- { service: orders-v2, port: http }";
            var at = orders.IndexOf(canary, StringComparison.Ordinal);
            return orders[..at] + "- { service: orders-v1, port: http }" + orders[(at + canary.Length)..];
        });

        var (code, stdout, stderr) = await RunScript(path: $"{Bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}", port);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains("make e2e: FAILED: GET /orders/42 with x-canary: true: answered by 'orders-v1', wanted one of: orders-v2", stderr);
        Assert.Contains("---- diagnostics ----", stderr);
        Assert.StartsWith("k3d cluster delete konnect-e2e-", File.ReadAllLines(Calls)[^1]);
    }

    /// <summary>
    /// Konnect in folder mode on what the script applies — samples/quickstart (orders.yaml edited by the test),
    /// samples/local and samples/auth/api-key.yaml — with the echo upstreams on free ports; returns the traffic port.
    /// </summary>
    private async Task<int> ServeSamplesAsync(Func<string, string> editOrders)
    {
        var ports = new Dictionary<string, int> { ["orders-v1"] = Repo.FreePort(), ["orders-v2"] = Repo.FreePort(), ["shop-orders"] = Repo.FreePort() };
        var quickstart = Copy("quickstart", (file, text) => file == "orders.yaml" ? editOrders(text) : text);
        var local = Copy("local", (_, text) => text.Replace("9101", ports["orders-v1"].ToString()).Replace("9102", ports["orders-v2"].ToString()));
        var auth = Path.Combine(_dir, "auth");
        Directory.CreateDirectory(auth);
        File.WriteAllText(Path.Combine(auth, "api-key.yaml"), File.ReadAllText(Path.Combine(Repo.Root, "samples", "auth", "api-key.yaml"))
            .Replace("http://orders.shop.svc:8080", $"http://127.0.0.1:{ports["shop-orders"]}"));

        foreach (var (name, port) in ports)
        {
            _processes.Add(Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{port}", "--name", name));
        }
        var traffic = Repo.FreePort();
        var admin = Repo.FreePort();
        _processes.Add(Repo.StartDotnet(Repo.KonnectDll, "run", "--manifests", quickstart, "--manifests", local, "--manifests", auth,
            "--listen", $"http://127.0.0.1:{traffic}", "--admin-listen", $"http://127.0.0.1:{admin}"));

        await Repo.EventuallyAsync(async () => await Status($"http://127.0.0.1:{admin}/readyz") == 200, "konnect /readyz");
        foreach (var port in ports.Values)
        {
            await Repo.EventuallyAsync(async () => await Status($"http://127.0.0.1:{port}/") == 200, $"echo on {port}");
        }
        return traffic;
    }

    /// <summary>Copies samples/NAME, each file through <paramref name="edit"/> (file name, text).</summary>
    private string Copy(string sample, Func<string, string, string> edit)
    {
        var folder = Path.Combine(_dir, sample);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "samples", sample), "*.yaml"))
        {
            var name = Path.GetFileName(file);
            File.WriteAllText(Path.Combine(folder, name), edit(name, File.ReadAllText(file)));
        }
        return folder;
    }

    /// <summary>docker, k3d, helm and kubectl as scripts that append their arguments to <see cref="Calls"/>.</summary>
    private void StubTools(int dockerExit)
    {
        Stub("docker", $"exit {dockerExit}");
        Stub("k3d", "[ \"$1 $2\" = \"kubeconfig get\" ] && echo 'apiVersion: v1'; exit 0");
        Stub("helm", "exit 0");
        // Only the status query answers; the rest (apply, wait, logs) succeed silently.
        Stub("kubectl", """
            case "$*" in
              "get konnectroute -A -o jsonpath="*)
                printf 'default/orders Accepted=True ResolvedRefs=True Programmed=True\nshop/orders Accepted=True ResolvedRefs=True Programmed=True\n' ;;
            esac
            exit 0
            """);
        // curl only for the no-daemon case, where the real one must not matter; the traffic tests use the real curl.
        if (dockerExit != 0) { Stub("curl", "exit 0"); }
    }

    private void Stub(string name, string body)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, $"#!/bin/sh\necho \"{name} $*\" >> '{Calls}'\n{body}\n");
        if (OperatingSystem.IsWindows()) { throw new PlatformNotSupportedException("the stubs are /bin/sh scripts"); }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Runs tests/e2e/run.sh with this PATH; a few attempts per check, since the upstreams are ready before it starts.</summary>
    private static async Task<(int Code, string Stdout, string Stderr)> RunScript(string path, int httpPort = 0)
    {
        var info = Repo.StartInfo("/bin/bash", Path.Combine(Repo.Root, "tests", "e2e", "run.sh"));
        info.Environment["PATH"] = path;
        info.Environment["E2E_HTTP_PORT"] = httpPort.ToString();
        info.Environment["E2E_ATTEMPTS"] = "15";
        return await Repo.RunAsync(info, TimeSpan.FromSeconds(90));
    }

    private static async Task<int> Status(string url)
    {
        var (code, stdout, _) = await Repo.RunAsync("curl", "-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code}", url);
        return code == 0 && int.TryParse(stdout, out var status) ? status : 0;
    }
}
