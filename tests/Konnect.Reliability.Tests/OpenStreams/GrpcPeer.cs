using System.Diagnostics;

namespace Konnect.Reliability.Tests.OpenStreams;

/// <summary>
/// The gRPC peers of the gateway's protocol tests (tests/Konnect.Gateway.Tests/Protocols/grpc_peer.py, linked into
/// this project's output): run with Debian's python3-grpcio through /usr/bin/python3, since the python3 first on PATH
/// may be another installation without grpc. The server binds 127.0.0.1:0, prints its port and serves until its stdin
/// closes.
/// </summary>
public sealed class GrpcPeer : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "OpenStreams", "grpc_peer.py");
    private readonly Process _server;

    private GrpcPeer(Process server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    public static async Task<GrpcPeer> StartServerAsync()
    {
        var server = Start("server");
        var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
        {
            var error = await server.StandardError.ReadToEndAsync();
            Stop(server);
            throw new InvalidOperationException("grpc_peer.py server did not start: " + line + error);
        }
        return new GrpcPeer(server, int.Parse(line["PORT ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Starts grpc_peer.py in <paramref name="args"/>'s mode, with stdin, stdout and stderr redirected.</summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Script);
        foreach (var arg in args) { info.ArgumentList.Add(arg); }
        return Process.Start(info)!;
    }

    /// <summary>Closes stdin (the peer's signal to stop), and kills it if it has not exited 10 s later.</summary>
    public static void Stop(Process process)
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10))) { process.Kill(entireProcessTree: true); }
        }
        catch (InvalidOperationException) { }
        process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Stop(_server);
        return ValueTask.CompletedTask;
    }
}
