using System.Diagnostics;

namespace Konnect.Reliability.Tests.OpenStreams;

/// <summary>
/// A gRPC bidirectional-streaming call (grpc_peer.py's chat client, Debian's python3-grpcio, over h2c): one request
/// message per stdin line ("g0", "g1", ... every 2 ms, at most 32 unanswered), and the peer server answers each with
/// "echo:" and the message, so every message must go up and come back in order. The call must end with status OK
/// once the client half-closes.
/// </summary>
public sealed class GrpcChatSequence : SequenceStream
{
    private readonly SemaphoreSlim _window = new(32);
    private readonly CancellationTokenSource _stop = new();
    private Process? _client;
    private Task _sending = Task.CompletedTask;
    private Task _receiving = Task.CompletedTask;
    private Task<string> _errors = Task.FromResult("");

    public override string Kind => "gRPC";

    public override Task OpenAsync(Uri gateway)
    {
        _client = GrpcPeer.Start("chat", gateway.Authority);
        _errors = _client.StandardError.ReadToEndAsync(); // drained throughout, so a chatty client never blocks
        _receiving = Task.Run(ReceiveAsync);
        _sending = Task.Run(SendAsync);
        return Task.CompletedTask;
    }

    private static string Message(long n) => "g" + n;

    private async Task SendAsync()
    {
        var input = _client!.StandardInput;
        try
        {
            for (var n = 0L; !_stop.IsCancellationRequested; n++)
            {
                await _window.WaitAsync(_stop.Token);
                await input.WriteLineAsync(Message(n));
                await input.FlushAsync();
                CountSent();
                await Task.Delay(2, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (IOException ex) { Problem("the chat client stopped reading: " + ex.Message); }
    }

    private async Task ReceiveAsync()
    {
        while (await _client!.StandardOutput.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("OK ", StringComparison.Ordinal))
            {
                Problem("the call ended: " + line); // "STATUS <code> <details>"
                return;
            }
            Arrived(line[3..], n => "echo:" + Message(n));
            _window.Release();
        }
    }

    public override async Task FinishAsync()
    {
        await _stop.CancelAsync();
        await _sending;
        await DrainAsync(TimeSpan.FromSeconds(30));
        // Half-close: the server's answer stream ends, the call completes with OK and the client exits 0 saying nothing more.
        _client!.StandardInput.Close();
        await _receiving.WaitAsync(TimeSpan.FromSeconds(30));
        await _client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (_client.ExitCode != 0) { Problem($"the chat client exited {_client.ExitCode}: {await _errors}"); }
    }

    public override ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_client is { } client)
        {
            GrpcPeer.Stop(client);
        }
        _window.Dispose();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
