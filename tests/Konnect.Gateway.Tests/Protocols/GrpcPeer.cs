using System.Diagnostics;
using Konnect.Gateway.Tests.Infrastructure;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>
/// Real gRPC peers from grpc_peer.py, run with Debian's python3-grpcio (/usr/bin/python3: the python3 first on PATH
/// may be another installation without grpc). The server lives until its stdin is closed.
/// </summary>
public sealed class GrpcPeer : IAsyncLifetime
{
    private const string Python = "/usr/bin/python3";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Protocols", "grpc_peer.py");
    private Process? _server;
    private string? _name;

    /// <summary>A server whose replies start with "<paramref name="name"/>:" instead of "echo:", started.</summary>
    public static async Task<GrpcPeer> StartAsync(string name)
    {
        var peer = new GrpcPeer { _name = name };
        await peer.InitializeAsync();
        return peer;
    }

    /// <summary>The server's cleartext HTTP/2 address, "http://127.0.0.1:port".</summary>
    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _server = _name is null ? Start("server") : Start("server", _name);
        var line = await _server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
            ?? throw new InvalidOperationException("grpc_peer.py server exited: " + await _server.StandardError.ReadToEndAsync());
        Url = "http://127.0.0.1:" + line["PORT ".Length..];
    }

    /// <summary>Runs one client call against <paramref name="target"/> ("host:port") and returns its one output line.</summary>
    /// <param name="metadata">"key=value" pairs sent with a unary call.</param>
    public static async Task<string> CallAsync(string mode, string target, string argument, params string[] metadata)
    {
        var (exit, stdout, stderr) = await Cli.RunAsync(Python, [Script, mode, target, argument, .. metadata]);
        Assert.True(exit == 0, $"grpc_peer.py {mode} failed: {stderr}");
        return stdout.TrimEnd('\n');
    }

    /// <summary>
    /// Calls the conformance suite's GrpcEcho service (<paramref name="method"/> Echo or EchoTwo) on <paramref name="target"/>
    /// with <paramref name="authority"/> as :authority when given; returns "OK NAME:" or "STATUS CODE details".
    /// </summary>
    public static Task<string> EchoAsync(string target, string method, string? authority = null) =>
        authority is null ? CallAsync("echo", target, method) : CallAsync("echo", target, method, authority);

    /// <summary>A bidirectional-streaming call kept open: each <see cref="Chat.SendAsync"/> is one message and its reply.</summary>
    public static Chat OpenChat(string target) => new(Start("chat", target));

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Script);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    public async Task DisposeAsync()
    {
        if (_server is { } server)
        {
            server.StandardInput.Close();
            if (!server.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                server.Kill();
            }

            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    public sealed class Chat(Process process) : IAsyncDisposable
    {
        /// <summary>Sends one message on the open stream and returns the line printed for what came back.</summary>
        public async Task<string> SendAsync(string message)
        {
            await process.StandardInput.WriteLineAsync(message);
            await process.StandardInput.FlushAsync();
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
            return line ?? "EOF " + await process.StandardError.ReadToEndAsync();
        }

        public async ValueTask DisposeAsync()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
