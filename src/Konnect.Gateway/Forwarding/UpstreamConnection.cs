using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// One HTTP/1.1 keep-alive connection to an upstream. It holds no buffer while idle (10,000 idle connections would
/// otherwise pin 160 MiB): an exchange rents one and gives it back. A per-connection timer enforces the route's
/// activity timeout by closing the socket, which fails whatever read or write is pending; the client going away does
/// the same through a registration on its abort token. The flags say which of the two happened.
/// </summary>
internal sealed class UpstreamConnection : IDisposable
{
    public const int BufferSize = 16 * 1024;

    private readonly Socket _socket;
    private ITimer? _timer;
    private int _closed;

    private UpstreamConnection(Socket socket) => _socket = socket;

    /// <summary>When the connection was last returned to its pool (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long IdleSince { get; set; }

    /// <summary>The activity timeout closed the socket.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>The client's request was aborted and closed the socket.</summary>
    public bool ClientAborted { get; private set; }

    /// <summary>Header values seen last on this connection, by <see cref="ResponseHeaderNames"/> index: repeats reuse the string.</summary>
    public string?[] LastValues { get; } = new string?[ResponseHeaderNames.Count];

    // The exchange's buffer: received bytes are Buffer[Start..End).
    public byte[] Buffer = [];
    public int Start;
    public int End;

    public static async ValueTask<UpstreamConnection> ConnectAsync(EndPoint endPoint, TimeSpan timeout, CancellationToken aborted)
    {
        var socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(endPoint, deadline.Token);
            return new UpstreamConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts an exchange: rents the buffer and closes the socket if the client goes away.</summary>
    public CancellationTokenRegistration Begin(CancellationToken aborted)
    {
        Buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        Start = End = 0;
        TimedOut = ClientAborted = false;
        return aborted.UnsafeRegister(static s => ((UpstreamConnection)s!).AbortForClient(), this);
    }

    /// <summary>Ends an exchange (cleanly or not): gives the buffer back and stops the timer.</summary>
    public void Finish()
    {
        Disarm();
        var buffer = Buffer;
        Buffer = [];
        if (buffer.Length > 0) { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>Whether the peer closed (or sent something) while the connection sat idle: then it cannot be reused.</summary>
    public bool PeerClosedOrSpoke()
    {
        try { return _socket.Poll(0, SelectMode.SelectRead); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return true; }
    }

    /// <summary>(Re)starts the activity timeout; every read and write of the exchange calls it.</summary>
    public void Arm(TimeSpan timeout)
    {
        _timer ??= TimeProvider.System.CreateTimer(static s => ((UpstreamConnection)s!).AbortForTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    public void Disarm() => _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes) => _socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>Receives into Buffer[End..]; returns the count (0: the upstream closed).</summary>
    public async ValueTask<int> ReceiveAsync()
    {
        var read = await _socket.ReceiveAsync(Buffer.AsMemory(End), SocketFlags.None);
        End += read;
        return read;
    }

    /// <summary>Moves the unread bytes to the front of the buffer, making room to receive.</summary>
    public void Compact()
    {
        if (Start == 0) { return; }
        Buffer.AsSpan(Start, End - Start).CopyTo(Buffer);
        End -= Start;
        Start = 0;
    }

    /// <summary>Replaces the buffer by a larger one (a response head that does not fit).</summary>
    public void Grow(int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        Buffer.AsSpan(Start, End - Start).CopyTo(larger);
        End -= Start;
        Start = 0;
        ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = larger;
    }

    private void AbortForTimeout()
    {
        TimedOut = true;
        Dispose();
    }

    private void AbortForClient()
    {
        ClientAborted = true;
        Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) { return; }
        _timer?.Dispose();
        _socket.Dispose();
    }
}
