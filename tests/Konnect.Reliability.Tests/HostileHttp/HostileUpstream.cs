using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>What the hostile upstream writes for one request: raw bytes, in parts with pauses, then maybe a close.</summary>
public sealed record HostileReply(IReadOnlyList<byte[]> Parts, bool Close, int PauseMs = 0)
{
    public static HostileReply Wire(string wire, bool close = false) => new([Encoding.Latin1.GetBytes(wire)], close);

    /// <summary>The ordinary answer: what a request of the gateway's gets when the upstream behaves.</summary>
    public static HostileReply Normal(string target)
    {
        var body = RecordingUpstream.AnswerTo("GET", target);
        return Wire($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n{body}");
    }
}

/// <summary>
/// An upstream that speaks HTTP/1.1 by hand on a raw socket, so it can break every framing rule: the reply for a
/// request is chosen by its path. It records every request head it read, with the connection it came on, so a test
/// can see what the gateway sent after a broken answer (and on which connection).
/// </summary>
public sealed class HostileUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, HostileReply> _reply;
    private readonly List<(int Connection, string Head)> _requests = [];
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    private HostileUpstream(Func<string, HostileReply> reply) => _reply = reply;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Every request head read, in order, with the number of the connection it came on.</summary>
    public IReadOnlyList<(int Connection, string Head)> Requests { get { lock (_requests) { return [.. _requests]; } } }

    public static HostileUpstream Start(Func<string, HostileReply> reply)
    {
        var upstream = new HostileUpstream(reply);
        upstream._listener.Start();
        _ = upstream.AcceptAsync();
        return upstream;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = ServeAsync(socket, Interlocked.Increment(ref _connections));
        }
    }

    private async Task ServeAsync(Socket socket, int connection)
    {
        var pending = new List<byte>();
        var chunk = new byte[16384];
        using (socket)
        {
            try
            {
                while (true)
                {
                    int end;
                    while ((end = pending.ToArray().AsSpan().IndexOf("\r\n\r\n"u8)) < 0)
                    {
                        var read = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
                        if (read == 0) { return; }
                        pending.AddRange(chunk.AsSpan(0, read));
                    }
                    var head = Encoding.Latin1.GetString(pending.GetRange(0, end).ToArray());
                    pending.RemoveRange(0, end + 4);
                    lock (_requests) { _requests.Add((connection, head)); }
                    // The gateway's requests here carry no body but an empty one (GET), or a Content-Length it set.
                    var length = Field(head, "content-length") is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
                    while (pending.Count < length)
                    {
                        var read = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
                        if (read == 0) { return; }
                        pending.AddRange(chunk.AsSpan(0, read));
                    }
                    pending.RemoveRange(0, length);

                    var target = head[(head.IndexOf(' ') + 1)..head.IndexOf(" HTTP/", StringComparison.Ordinal)];
                    var reply = _reply(target);
                    foreach (var part in reply.Parts)
                    {
                        await socket.SendAsync(part, SocketFlags.None, _stop.Token);
                        if (reply.PauseMs > 0) { await Task.Delay(reply.PauseMs, _stop.Token); }
                    }
                    if (reply.Close)
                    {
                        socket.Shutdown(SocketShutdown.Both);
                        return;
                    }
                }
            }
            catch (Exception)
            {
                // The gateway reset the connection, or the test ended.
            }
        }
    }

    private static string? Field(string head, string name) => head.Split("\r\n").Skip(1)
        .Where(l => l.Contains(':') && l[..l.IndexOf(':')].Equals(name, StringComparison.OrdinalIgnoreCase))
        .Select(l => l[(l.IndexOf(':') + 1)..].Trim()).FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
    }
}
