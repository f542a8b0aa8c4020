using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>What <see cref="RawUpstream"/> writes back for one request, byte for byte.</summary>
/// <param name="Bytes">The whole answer as it goes on the wire (null: never answer).</param>
/// <param name="Close">Close the connection after writing.</param>
/// <param name="Later">Written on the same connection a moment after the answer, unasked (as an upstream's late 408).</param>
/// <param name="Then">Written after the answer, each after its delay (a body that trickles in).</param>
internal sealed record RawReply(byte[]? Bytes, bool Close = false, byte[]? Later = null, (int DelayMs, string Wire)[]? Then = null)
{
    public static RawReply Text(string wire, bool close = false) => new(Encoding.Latin1.GetBytes(wire), close);

    public static RawReply Ok(string body = "ok") => Text($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");

    public static readonly RawReply Hang = new((byte[]?)null);
}

/// <summary>One request as the upstream read it off the wire.</summary>
internal sealed record RawRequest(int Connection, string Head, byte[] Body)
{
    public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];

    /// <summary>The header lines, names lower-cased (HTTP names ignore case), in the order sent.</summary>
    public IReadOnlyList<string> Fields => Head.Split("\r\n").Skip(1).Where(l => l.Length > 0)
        .Select(l => l[..l.IndexOf(':')].ToLowerInvariant() + ":" + l[(l.IndexOf(':') + 1)..].Trim()).ToList();

    public string? Field(string name) => Fields.FirstOrDefault(f => f.StartsWith(name.ToLowerInvariant() + ":", StringComparison.Ordinal))?[(name.Length + 1)..];
}

/// <summary>
/// An upstream that speaks HTTP/1.1 by hand on a loopback socket, so a test controls every byte of the answer
/// (framing, interim responses, malformed heads, closing mid-body) and sees every byte of the request, including the
/// connection it came on.
/// </summary>
internal sealed class RawUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<RawRequest, RawReply> _reply;
    private readonly List<RawRequest> _requests = [];
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private int _connections;
    private int _closedByPeer;
    private int _closedByUpstream;
    private int _lateSent;

    private RawUpstream(Func<RawRequest, RawReply> reply) => _reply = reply;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url(string basePath = "") => $"http://127.0.0.1:{Port}{basePath}";

    public IReadOnlyList<RawRequest> Requests { get { lock (_requests) { return [.. _requests]; } } }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections the gateway closed (the upstream read end-of-stream).</summary>
    public int ClosedByGateway => Volatile.Read(ref _closedByPeer);

    /// <summary>Connections this upstream closed after an answer (<see cref="RawReply.Close"/>): the close is on the wire.</summary>
    public int ClosedByUpstream => Volatile.Read(ref _closedByUpstream);

    /// <summary>Answers whose <see cref="RawReply.Later"/> bytes have been sent.</summary>
    public int LateSent => Volatile.Read(ref _lateSent);

    public static RawUpstream Start(Func<RawRequest, RawReply> reply)
    {
        var upstream = new RawUpstream(reply);
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
            catch { return; }
            lock (_sockets) { _sockets.Add(socket); }
            _ = ServeAsync(socket, Interlocked.Increment(ref _connections));
        }
    }

    private async Task ServeAsync(Socket socket, int connection)
    {
        var buffer = new List<byte>();
        var chunk = new byte[65536];
        try
        {
            while (true)
            {
                int end;
                while ((end = IndexOf(buffer, "\r\n\r\n"u8)) < 0)
                {
                    var read = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
                    if (read == 0) { Interlocked.Increment(ref _closedByPeer); return; }
                    buffer.AddRange(chunk.AsSpan(0, read));
                }
                var head = Encoding.Latin1.GetString(buffer.GetRange(0, end + 4).ToArray());
                buffer.RemoveRange(0, end + 4);
                var request = new RawRequest(connection, head, []);
                byte[] body;
                if (request.Field("content-length") is { } length)
                {
                    body = await ReadExactlyAsync(socket, buffer, chunk, int.Parse(length));
                }
                else if (request.Field("transfer-encoding")?.Contains("chunked") == true)
                {
                    body = await ReadChunkedAsync(socket, buffer, chunk);
                }
                else
                {
                    body = [];
                }
                request = request with { Body = body };
                lock (_requests) { _requests.Add(request); }
                var reply = _reply(request);
                if (reply.Bytes is null)
                {
                    // Never answer; hold the connection until the gateway closes it (end of stream or reset).
                    try { while (await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token) > 0) { } }
                    catch (SocketException) { }
                    Interlocked.Increment(ref _closedByPeer);
                    return;
                }
                await socket.SendAsync(reply.Bytes, SocketFlags.None);
                foreach (var (delay, wire) in reply.Then ?? [])
                {
                    await Task.Delay(delay);
                    await socket.SendAsync(Encoding.Latin1.GetBytes(wire), SocketFlags.None);
                }
                if (reply.Later is { } later)
                {
                    await Task.Delay(100);
                    await socket.SendAsync(later, SocketFlags.None);
                    Interlocked.Increment(ref _lateSent);
                }
                if (reply.Close)
                {
                    socket.Shutdown(SocketShutdown.Both);
                    Interlocked.Increment(ref _closedByUpstream);
                    return;
                }
            }
        }
        catch
        {
            // The gateway reset the connection or the test ended.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task<byte[]> ReadExactlyAsync(Socket socket, List<byte> buffer, byte[] chunk, int count)
    {
        while (buffer.Count < count)
        {
            var read = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
            if (read == 0) { throw new IOException("closed inside a body"); }
            buffer.AddRange(chunk.AsSpan(0, read));
        }
        var body = buffer.GetRange(0, count).ToArray();
        buffer.RemoveRange(0, count);
        return body;
    }

    private async Task<byte[]> ReadChunkedAsync(Socket socket, List<byte> buffer, byte[] chunk)
    {
        var body = new List<byte>();
        while (true)
        {
            int eol;
            while ((eol = IndexOf(buffer, "\r\n"u8)) < 0)
            {
                var read = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
                if (read == 0) { throw new IOException("closed inside a chunked body"); }
                buffer.AddRange(chunk.AsSpan(0, read));
            }
            var size = Convert.ToInt32(Encoding.ASCII.GetString(buffer.GetRange(0, eol).ToArray()).Split(';')[0], 16);
            buffer.RemoveRange(0, eol + 2);
            var data = await ReadExactlyAsync(socket, buffer, chunk, size + 2);
            if (size == 0) { return [.. body]; }
            body.AddRange(data.AsSpan(0, size));
        }
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> value)
    {
        var array = buffer.ToArray();
        return array.AsSpan().IndexOf(value);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets) { foreach (var socket in _sockets) { socket.Dispose(); } }
    }
}
