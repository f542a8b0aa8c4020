using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>One answer as a client read it off the wire.</summary>
/// <param name="Complete">The body ended where its framing said (false: the connection closed inside it).</param>
/// <param name="Interim">How many 1xx answers came before this one.</param>
public sealed record RawResponse(int Status, string Head, byte[] Body, bool Complete, int Interim)
{
    public string Text => Encoding.Latin1.GetString(Body);

    /// <summary>The value of a header field (names ignore case), or null.</summary>
    public string? Field(string name) => Head.Split("\r\n").Skip(1)
        .Where(l => l.Contains(':') && l[..l.IndexOf(':')].Equals(name, StringComparison.OrdinalIgnoreCase))
        .Select(l => l[(l.IndexOf(':') + 1)..].Trim()).FirstOrDefault();

    /// <summary>An answer the gateway made itself: a problem document with the status it carries.</summary>
    public bool IsProblem => Field("content-type") == "application/problem+json" && Text.Contains($"\"status\":{Status}", StringComparison.Ordinal);
}

/// <summary>
/// A client connection that writes bytes by hand (HttpClient refuses to send malformed requests) and reads answers as
/// they come, one at a time, so a second request can follow the first on the same connection.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly byte[] _chunk = new byte[65536];
    private readonly List<byte> _pending = [];
    private bool _closed;

    public static async Task<RawConnection> OpenAsync(int port)
    {
        var connection = new RawConnection();
        await connection._socket.ConnectAsync(IPAddress.Loopback, port);
        return connection;
    }

    /// <summary>The peer closed (or reset) the connection.</summary>
    public bool Closed => _closed;

    public Task SendAsync(string wire) => SendAsync(Encoding.Latin1.GetBytes(wire));

    /// <summary>Sends the bytes; false when the gateway had already closed the connection.</summary>
    public async Task<bool> TrySendAsync(string wire)
    {
        try { await SendAsync(wire); return true; }
        catch (SocketException) { return false; }
    }

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length) { sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None); }
    }

    /// <summary>Reads the next answer (after any 1xx); null when the connection closed before a whole status line and head.</summary>
    public async Task<RawResponse?> ReadResponseAsync(TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        var interim = 0;
        while (true)
        {
            var head = await ReadHeadAsync(deadline.Token);
            if (head is null) { return null; }
            var status = int.Parse(head.AsSpan(9, 3), CultureInfo.InvariantCulture);
            if (status is >= 100 and < 200) { interim++; continue; }
            var response = new RawResponse(status, head, [], true, interim);
            if (status is 204 or 304) { return response; }
            if (response.Field("transfer-encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            {
                var (body, complete) = await ReadChunkedAsync(deadline.Token);
                return response with { Body = body, Complete = complete };
            }
            if (response.Field("content-length") is { } length)
            {
                var (body, complete) = await ReadBytesAsync(long.Parse(length, CultureInfo.InvariantCulture), deadline.Token);
                return response with { Body = body, Complete = complete };
            }
            var (rest, _) = await ReadBytesAsync(long.MaxValue, deadline.Token);
            return response with { Body = rest };
        }
    }

    /// <summary>Waits for the gateway to close the connection; true when it did within <paramref name="limit"/>.</summary>
    /// <remarks>Bytes that come meanwhile (a 408 before the close) are kept for <see cref="ReadResponseAsync"/>.</remarks>
    public async Task<bool> ClosedWithinAsync(TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            while (!_closed) { await ReceiveAsync(deadline.Token); }
            return true;
        }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Bytes received and not yet read as an answer.</summary>
    public string Unread => Encoding.Latin1.GetString([.. _pending]);

    private async Task<string?> ReadHeadAsync(CancellationToken cancel)
    {
        int end;
        while ((end = IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_closed || !await ReceiveAsync(cancel)) { return null; }
        }
        var head = Encoding.Latin1.GetString(_pending.GetRange(0, end).ToArray());
        _pending.RemoveRange(0, end + 4);
        return head.StartsWith("HTTP/1.", StringComparison.Ordinal) && head.Length >= 12 ? head : throw new InvalidDataException($"not an HTTP answer: {head}");
    }

    private async Task<(byte[], bool)> ReadBytesAsync(long count, CancellationToken cancel)
    {
        while (_pending.Count < count)
        {
            if (_closed || !await ReceiveAsync(cancel)) { break; }
        }
        var take = (int)Math.Min(count, _pending.Count);
        var bytes = _pending.GetRange(0, take).ToArray();
        _pending.RemoveRange(0, take);
        return (bytes, take == count);
    }

    private async Task<(byte[], bool)> ReadChunkedAsync(CancellationToken cancel)
    {
        var body = new List<byte>();
        while (true)
        {
            int eol;
            while ((eol = IndexOf("\r\n"u8)) < 0)
            {
                if (_closed || !await ReceiveAsync(cancel)) { return ([.. body], false); }
            }
            var size = Convert.ToInt64(Encoding.ASCII.GetString(_pending.GetRange(0, eol).ToArray()).Split(';')[0].Trim(), 16);
            _pending.RemoveRange(0, eol + 2);
            if (size == 0)
            {
                // Trailers (none expected) and the final CRLF.
                var (_, complete) = await ReadBytesAsync(2, cancel);
                return ([.. body], complete);
            }
            var (data, whole) = await ReadBytesAsync(size + 2, cancel);
            body.AddRange(data.Take((int)Math.Min(size, data.Length)));
            if (!whole) { return ([.. body], false); }
        }
    }

    /// <summary>Receives once; false when the peer closed or reset.</summary>
    private async Task<bool> ReceiveAsync(CancellationToken cancel)
    {
        int read;
        try { read = await _socket.ReceiveAsync(_chunk, SocketFlags.None, cancel); }
        catch (SocketException) { read = 0; }
        if (read == 0) { _closed = true; return false; }
        _pending.AddRange(_chunk.AsSpan(0, read));
        return true;
    }

    private int IndexOf(ReadOnlySpan<byte> value) => _pending.ToArray().AsSpan().IndexOf(value);

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
