using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Konnect.Testing.Redis;

/// <summary>
/// A real redis-server on 127.0.0.1 and a free port, without persistence, for one test class. It throws (never skips)
/// when redis-server is not installed: .ci/run installs it, and a missing binary must fail the suite, not hide tests.
/// <see cref="StopAsync"/> and <see cref="StartAsync"/> let a test take Redis away and bring it back on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string? _password;
    private Process? _process;

    private RedisServer(int port, string? password)
    {
        Port = port;
        _password = password;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <param name="password">Sets requirepass, so clients must AUTH.</param>
    public static async Task<RedisServer> StartNewAsync(string? password = null)
    {
        var server = new RedisServer(FreePort(), password);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run `apt-get install -y redis-server` (.ci/run does)");
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            info.ArgumentList.Add(arg);
        }
        if (_password is not null) { info.ArgumentList.Add("--requirepass"); info.ArgumentList.Add(_password); }
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Ready once it accepts connections; a port taken in the meantime shows as an exited process.
        for (var i = 0; i < 200; i++)
        {
            if (_process.HasExited) { throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} on port {Port}"); }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(25);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on port {Port} within 5 s");
    }

    public async Task StopAsync()
    {
        if (_process is not { } process) { return; }
        _process = null;
        if (!process.HasExited) { process.Kill(); }
        await process.WaitForExitAsync();
        process.Dispose();
    }

    private static int FreePort() => TestPorts.Free();

    public ValueTask DisposeAsync() => new(StopAsync());
}
