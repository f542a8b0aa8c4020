using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Konnect.Testing;

/// <summary>
/// Paths into the repository and the built binaries, and small process helpers for the tests that run konnect (or
/// another program) as a child: the CLI, chart and functional tests.
/// </summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>"Debug" or "Release": whichever configuration built this test assembly.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string KonnectDll => Path.Combine(AppContext.BaseDirectory, "konnect.dll");

    public static string EchoDll => Path.Combine(Root, "src", "Konnect.Echo", "bin", Configuration, "net10.0", "konnect-echo.dll");

    /// <summary>
    /// Writes route.yaml into <paramref name="folder"/>: KonnectRoute shop/orders, /orders to the upstream on
    /// <paramref name="upstreamPort"/>, no policy. The plain route most end-to-end tests start from.
    /// </summary>
    public static void WriteOrdersRoute(string folder, int upstreamPort) => File.WriteAllText(Path.Combine(folder, "route.yaml"), $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: orders, namespace: shop }
        spec:
          rules:
            - matches: [{ path: { value: /orders } }]
              backends: [{ url: "http://127.0.0.1:{{upstreamPort}}" }]
        """);

    /// <summary>A port for a child process to listen on: see <see cref="TestPorts"/>.</summary>
    public static int FreePort() => TestPorts.Free();

    public static Process StartDotnet(string dll, params string[] args) => StartDotnet(dll, output: null, args);

    /// <summary>Starts a child; its output lines go to <paramref name="output"/> (for failure messages) or are drained.</summary>
    public static Process StartDotnet(string dll, System.Text.StringBuilder? output, params string[] args) =>
        StartDotnet(dll, output, new Dictionary<string, string>(), args);

    /// <summary>As above, with extra environment variables for the child (e.g. Logging__LogLevel__Default=Debug).</summary>
    public static Process StartDotnet(string dll, System.Text.StringBuilder? output, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // `konnect run` listens for HTTPS on 8443 by default; parallel tests would fight over it. A test that wants
        // the HTTPS listener passes --listen-tls (or this variable) itself.
        info.Environment["KONNECT_LISTEN_TLS"] = "https://127.0.0.1:0";
        foreach (var (name, value) in environment) { info.Environment[name] = value; }
        info.ArgumentList.Add(dll);
        foreach (var arg in args) { info.ArgumentList.Add(arg); }
        var process = Process.Start(info)!;
        Track(process);
        // Drain output so a chatty child never blocks on a full pipe.
        process.OutputDataReceived += (_, e) => { if (output is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (output is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A kubeconfig with one context for <paramref name="server"/>, a bearer token and a default namespace.</summary>
    public static Task WriteKubeconfigAsync(string path, Uri server, string ns) => File.WriteAllTextAsync(path, $$"""
        apiVersion: v1
        kind: Config
        clusters: [{ name: fake, cluster: { server: "{{server.ToString().TrimEnd('/')}}" } }]
        users: [{ name: konnect, user: { token: test-token } }]
        contexts: [{ name: fake, context: { cluster: fake, user: konnect, namespace: {{ns}} } }]
        current-context: fake
        """);

    /// <summary>Kills each child with its process tree; one that already exited is fine.</summary>
    public static void Stop(params Process[] processes)
    {
        foreach (var process in processes)
        {
            lock (Running) { Running.Remove(process); }
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.Dispose();
        }
    }

    // Children not yet stopped. A test whose InitializeAsync throws (a child slow to become ready on a loaded machine)
    // never gets its DisposeAsync, so its children would outlive the test run and load the machine for every later
    // test; they are killed when the test process exits instead.
    private static readonly HashSet<Process> Running = [];
    private static int _exitHooked;

    /// <summary>Kills <paramref name="process"/> (with its tree) when the test process exits, unless stopped before.</summary>
    public static void Track(Process process)
    {
        if (Interlocked.Exchange(ref _exitHooked, 1) == 0) { AppDomain.CurrentDomain.ProcessExit += (_, _) => KillRunning(); }
        lock (Running) { Running.Add(process); }
    }

    private static void KillRunning()
    {
        Process[] left;
        lock (Running) { left = [.. Running]; Running.Clear(); }
        foreach (var process in left)
        {
            try { process.Kill(entireProcessTree: true); } catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        }
    }

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, params string[] args) =>
        RunAsync(StartInfo(file, args), TimeSpan.FromSeconds(60));

    /// <summary>A program with its output captured; set its environment before <see cref="RunAsync(ProcessStartInfo, TimeSpan)"/>.</summary>
    public static ProcessStartInfo StartInfo(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) { info.ArgumentList.Add(arg); }
        return info;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo info, TimeSpan limit)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Nothing the test started outlives it: the program and whatever it started go.
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish within {limit}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Polls until <paramref name="condition"/> holds, failing after <paramref name="seconds"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) { return; }
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out after {seconds}s waiting for {what}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Konnect.sln"))) { return dir.FullName; }
        }
        throw new InvalidOperationException("Konnect.sln not found above " + AppContext.BaseDirectory);
    }
}
