using System.Diagnostics;
using System.Text;
using Konnect.Testing;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>
/// konnect-echo (src/Konnect.Echo) as a child process: the upstream `make run` uses, answering every request with a
/// JSON document naming itself and the path it received, so a body shows which route's rewrite it went through.
/// </summary>
public sealed class EchoUpstream : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private EchoUpstream(Process process, StringBuilder output, int port, string name)
    {
        _process = process;
        _output = output;
        Port = port;
        Name = name;
    }

    public int Port { get; }
    public string Name { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>What konnect-echo wrote, for failure messages.</summary>
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>Starts konnect-echo; its port is known at once, so routes to it can be written while it starts (<see cref="ReadyAsync"/>).</summary>
    public static EchoUpstream Start(string name)
    {
        if (!File.Exists(Repo.EchoDll)) { throw new FileNotFoundException("konnect-echo is not built (dotnet build src/Konnect.Echo -c " + Repo.Configuration + ")", Repo.EchoDll); }
        var port = Repo.FreePort();
        var output = new StringBuilder();
        return new EchoUpstream(Repo.StartDotnet(Repo.EchoDll, output, "--urls", $"http://127.0.0.1:{port}", "--name", name), output, port, name);
    }

    /// <summary>Waits until it answers.</summary>
    public async Task ReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Repo.EventuallyAsync(async () => _process.HasExited
            ? throw new InvalidOperationException($"konnect-echo on port {Port} exited {_process.ExitCode}: {Output}")
            : (await http.GetAsync(Url + "/")).IsSuccessStatusCode, "konnect-echo ready", 90);
    }

    /// <summary>What the body of an answer to <paramref name="path"/> must contain (konnect-echo writes indented JSON).</summary>
    public string BodyFragment(string path) => $"\"path\": \"{path}\"";

    public ValueTask DisposeAsync()
    {
        Repo.Stop(_process);
        return ValueTask.CompletedTask;
    }
}
