using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Konnect.Testing.Tls;

namespace Konnect.Testing.Redis;

/// <summary>
/// A real redis-server on 127.0.0.1 and a free port, without persistence, in a folder of its own. It throws (never
/// skips) when redis-server is not installed: .ci/run installs it, and a missing binary must fail the suite, not hide
/// tests. <see cref="StopAsync"/> and <see cref="StartAsync"/> take Redis away and bring it back on the same port;
/// <see cref="PauseAsync"/> freezes it (SIGSTOP) so it accepts bytes and never answers. With <see cref="RedisTls"/> it
/// serves TLS only (Debian's build has TLS). Also runs as a Sentinel or a Redis Cluster node through extra arguments.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string? _password;
    private readonly RedisTls? _tls;
    private readonly IReadOnlyList<string> _extra;
    private readonly string? _configFile;
    private Process? _process;

    private RedisServer(int port, string? password, RedisTls? tls, IReadOnlyList<string> extra, string? configFile)
    {
        Port = port;
        _password = password;
        _tls = tls;
        _extra = extra;
        _configFile = configFile;
        Folder = Directory.CreateTempSubdirectory("konnect-redis-").FullName;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Its working folder (cluster nodes.conf, a sentinel's config), deleted on dispose.</summary>
    public string Folder { get; }

    /// <param name="password">Sets requirepass, so clients must AUTH.</param>
    /// <param name="tls">Serve TLS only, with this certificate.</param>
    /// <param name="extra">More redis-server arguments ("--cluster-enabled", "yes", ...).</param>
    public static async Task<RedisServer> StartNewAsync(string? password = null, RedisTls? tls = null, params string[] extra)
    {
        var server = new RedisServer(TestPorts.Free(), password, tls, extra, configFile: null);
        await server.StartAsync();
        return server;
    }

    /// <summary>A Sentinel watching the primary at <paramref name="primaryPort"/> as <paramref name="service"/> (quorum 1, 1 s down-after).</summary>
    public static async Task<RedisServer> StartSentinelAsync(string service, int primaryPort)
    {
        var port = TestPorts.Free();
        var folder = Directory.CreateTempSubdirectory("konnect-sentinel-").FullName;
        var config = Path.Combine(folder, "sentinel.conf");
        // A Sentinel rewrites its config file as it learns, so it must be a writable file of its own.
        await File.WriteAllTextAsync(config, $"""
            port {port}
            bind 127.0.0.1
            sentinel monitor {service} 127.0.0.1 {primaryPort} 1
            sentinel down-after-milliseconds {service} 1000
            sentinel failover-timeout {service} 5000
            sentinel parallel-syncs {service} 1

            """);
        var server = new RedisServer(port, null, null, ["--sentinel"], config);
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
            WorkingDirectory = Folder,
        };
        if (_configFile is not null) { info.ArgumentList.Add(_configFile); }
        else
        {
            foreach (var arg in new[] { "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", Folder })
            {
                info.ArgumentList.Add(arg);
            }
            if (_tls is { } tls)
            {
                var files = await tls.WriteAsync(Folder);
                foreach (var arg in new[] { "--port", "0", "--tls-port", Port.ToString(), "--tls-cert-file", files.Certificate, "--tls-key-file", files.Key,
                    "--tls-ca-cert-file", files.Authority, "--tls-auth-clients", "no" })
                {
                    info.ArgumentList.Add(arg);
                }
            }
            else
            {
                info.ArgumentList.Add("--port");
                info.ArgumentList.Add(Port.ToString());
            }
            if (_password is not null) { info.ArgumentList.Add("--requirepass"); info.ArgumentList.Add(_password); }
        }
        foreach (var arg in _extra) { info.ArgumentList.Add(arg); }
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        Repo.Track(_process);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Ready once it accepts connections; a port taken in the meantime shows as an exited process.
        for (var i = 0; i < 400; i++)
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
        throw new InvalidOperationException($"redis-server did not listen on port {Port} within 10 s");
    }

    public async Task StopAsync()
    {
        if (_process is not { } process) { return; }
        _process = null;
        if (!process.HasExited) { process.Kill(); }
        await process.WaitForExitAsync();
        process.Dispose();
    }

    /// <summary>Freezes the process (SIGSTOP): connections stay open and nothing is answered, as with a hung server.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    private async Task SignalAsync(string signal)
    {
        var pid = _process?.Id ?? throw new InvalidOperationException("redis-server is not running");
        using var kill = Process.Start("kill", [signal, pid.ToString()]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) { throw new InvalidOperationException($"kill {signal} {pid} exited with {kill.ExitCode}"); }
    }

    /// <summary>Runs redis-cli against this server (TLS and password as configured) and returns what it printed.</summary>
    /// <exception cref="InvalidOperationException">redis-cli failed.</exception>
    public async Task<string> CliAsync(params string[] args)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-h", "127.0.0.1", "-p", Port.ToString() }) { info.ArgumentList.Add(arg); }
        if (_tls is not null)
        {
            info.ArgumentList.Add("--tls");
            info.ArgumentList.Add("--cacert");
            info.ArgumentList.Add(Path.Combine(Folder, "ca.crt"));
        }
        if (_password is not null) { info.ArgumentList.Add("--no-auth-warning"); info.ArgumentList.Add("-a"); info.ArgumentList.Add(_password); }
        foreach (var arg in args) { info.ArgumentList.Add(arg); }
        using var cli = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = cli.StandardOutput.ReadToEndAsync();
        var error = cli.StandardError.ReadToEndAsync();
        await cli.WaitForExitAsync();
        if (cli.ExitCode != 0) { throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} exited with {cli.ExitCode}: {await error}"); }
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
        if (_configFile is not null) { try { Directory.Delete(Path.GetDirectoryName(_configFile)!, recursive: true); } catch (IOException) { } }
    }
}

/// <summary>A CA and a server certificate it issued (for "localhost" and 127.0.0.1), made in the test.</summary>
public sealed class RedisTls
{
    public RedisTls(string serverName = "localhost")
    {
        Authority = TestCertificate.Authority("Konnect Test Redis CA");
        Server = Authority.Issue(serverName);
    }

    public TestCertificate Authority { get; }

    public TestCertificate Server { get; }

    /// <summary>Writes ca.crt, server.crt and server.key into <paramref name="folder"/>.</summary>
    public async Task<(string Authority, string Certificate, string Key)> WriteAsync(string folder)
    {
        var files = (Path.Combine(folder, "ca.crt"), Path.Combine(folder, "server.crt"), Path.Combine(folder, "server.key"));
        await File.WriteAllTextAsync(files.Item1, Authority.CertificatePem);
        await File.WriteAllTextAsync(files.Item2, Server.CertificatePem);
        await File.WriteAllTextAsync(files.Item3, Server.KeyPem);
        return files;
    }
}
