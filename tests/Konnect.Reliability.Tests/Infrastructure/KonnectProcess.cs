using System.Diagnostics;
using System.Text;
using Konnect.Testing;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>
/// The real `konnect run --manifests` as a child process, as an operator runs it: traffic and admin on free loopback
/// ports, no HTTPS listener, no access log (a line per request would make the log, not the gateway, the subject of a
/// 30-minute soak), warnings and errors kept for failure messages.
/// </summary>
public sealed class KonnectProcess : IAsyncDisposable
{
    private readonly StringBuilder _output;
    private readonly Process _process;

    private KonnectProcess(Process process, StringBuilder output, int traffic, int admin)
    {
        _process = process;
        _output = output;
        Traffic = traffic;
        Admin = admin;
    }

    public int Traffic { get; }
    public int Admin { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public Uri TrafficUri => new($"http://127.0.0.1:{Traffic}");

    /// <summary>What Konnect wrote (warnings and errors only), for failure messages.</summary>
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>Starts Konnect on <paramref name="folder"/> and waits for /readyz (the first model applied).</summary>
    public static async Task<KonnectProcess> StartAsync(string folder, int readySeconds = 90)
    {
        var (traffic, admin) = (Repo.FreePort(), Repo.FreePort());
        var output = new StringBuilder();
        var environment = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
        var process = Repo.StartDotnet(Repo.KonnectDll, output, environment,
            "run", "--manifests", folder, "--listen", $"http://127.0.0.1:{traffic}", "--admin-listen", $"http://127.0.0.1:{admin}",
            "--listen-tls", "none", "--access-log", "off");
        var konnect = new KonnectProcess(process, output, traffic, admin);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Repo.EventuallyAsync(async () => !process.HasExited && (await http.GetAsync($"http://127.0.0.1:{admin}/readyz")).IsSuccessStatusCode,
                "konnect ready", readySeconds);
            return konnect;
        }
        catch (TimeoutException ex)
        {
            var exited = process.HasExited ? $" (it exited {process.ExitCode})" : "";
            await konnect.DisposeAsync();
            throw new TimeoutException($"{ex.Message}{exited}: {konnect.Output}", ex);
        }
    }

    /// <summary>Resident memory, open file descriptors and threads, from /proc.</summary>
    public ProcessSample Sample() => ProcessSample.Of(_process.Id);

    public ValueTask DisposeAsync()
    {
        Repo.Stop(_process);
        return ValueTask.CompletedTask;
    }
}
