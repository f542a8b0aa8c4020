using System.Diagnostics;
using System.Text;
using Konnect.Testing;

namespace Konnect.Functional.Tests.Infrastructure;

/// <summary>
/// The real `konnect run --manifests` on a temporary folder, next to one echo upstream: what most end-to-end tests
/// need. Write manifests into <see cref="Dir"/> (before or after <see cref="StartAsync"/>), then talk to
/// <see cref="Traffic"/> and <see cref="Admin"/>. Konnect's output is kept for failure messages.
/// </summary>
public sealed class FolderModeHost : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _echo;
    private Process? _konnect;

    public FolderModeHost(string prefix) => Dir = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Dir { get; }
    public int Traffic { get; } = Repo.FreePort();
    public int Admin { get; } = Repo.FreePort();
    public int Upstream { get; } = Repo.FreePort();
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Everything Konnect wrote so far (stdout and stderr).</summary>
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>Starts the echo upstream (named <paramref name="echoName"/>) and Konnect, and waits until both answer.</summary>
    public async Task StartAsync(string echoName, params string[] konnectArgs)
    {
        _echo = Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{Upstream}", "--name", echoName);
        _konnect = Repo.StartDotnet(Repo.KonnectDll, _output, [
            "run", "--manifests", Dir, "--listen", $"http://127.0.0.1:{Traffic}", "--admin-listen", $"http://127.0.0.1:{Admin}", .. konnectArgs]);
        await Repo.EventuallyAsync(async () => (await Http.GetAsync($"http://127.0.0.1:{Admin}/readyz")).IsSuccessStatusCode, "konnect ready");
        await Repo.EventuallyAsync(async () => (await Http.GetAsync($"http://127.0.0.1:{Upstream}/")).IsSuccessStatusCode, "echo ready");
    }

    public ValueTask DisposeAsync()
    {
        Repo.Stop([.. new[] { _konnect, _echo }.OfType<Process>()]);
        Http.Dispose();
        Directory.Delete(Dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}
