using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// One HTTP/1.1 keep-alive connection to an upstream. It holds no buffer while idle (10,000 idle connections would
/// otherwise pin 160 MiB): an exchange rents one and gives it back. A per-connection timer enforces the route's
/// activity timeout by closing the socket, which fails whatever read or write is pending; the client going away does
/// the same through a registration on its abort token. The flags say which of the two happened.
/// </summary>
/// <remarks>
/// One state word orders everything that can close the connection against the exchange: idle, busy or closed, plus
/// a generation counted per exchange. The timer and the abort close it only while busy (compare-and-swap on the word
/// they read), so a callback that arrives late can never close a connection already back in its pool or serving the
/// next request; <see cref="Finish"/> reports a connection closed during the exchange, which is then not pooled.
/// The timer is not re-set on every read and write: each activity moves a deadline, and the timer, when it fires
/// early, sleeps again until the deadline.
/// </remarks>
internal sealed class UpstreamConnection : IDisposable
{
    public const int BufferSize = 16 * 1024;

    private const long Idle = 0, Busy = 1, Closed = 3, PhaseMask = 3, Generation = 4;

    private readonly Socket _socket;
    private readonly Lock _timerLock = new();
    private ITimer? _timer;
    private long _state;
    private long _deadline;
    private long _timerDue = long.MaxValue;
    private CancellationTokenSource? _body;
    private HttpContext? _exchange;

    private UpstreamConnection(Socket socket) => _socket = socket;

    /// <summary>When the connection was last returned to its pool (<see cref="Stopwatch"/> ticks).</summary>
    public long IdleSince { get; set; }

    /// <summary>The activity timeout closed the socket during the current exchange.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>The client's request was aborted and closed the socket during the current exchange.</summary>
    public bool ClientAborted { get; private set; }

    /// <summary>The upstream's status and fields were copied onto the client's response in the current exchange.</summary>
    public bool HeadCopied { get; set; }

    public bool IsClosed => (Volatile.Read(ref _state) & PhaseMask) == Closed;

    /// <summary>Header values seen last on this connection, by <see cref="ResponseHeaderNames"/> index: repeats reuse the string.</summary>
    public string?[] LastValues { get; } = new string?[ResponseHeaderNames.Count];

    /// <summary>Unknown header names seen last on this connection (a few slots): repeats reuse the string.</summary>
    public string?[] LastNames { get; } = new string?[8];

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

    /// <summary>
    /// Starts an exchange: rents the buffer, starts the activity deadline and closes the socket if the client goes
    /// away. False when the connection was closed meanwhile (it cannot be used).
    /// </summary>
    /// <param name="hasBody">The client sends a body: its reads get a token the timeout cancels (<see cref="BodyToken"/>).</param>
    public bool Begin(HttpContext context, TimeSpan timeout, bool hasBody, out CancellationTokenRegistration registration)
    {
        registration = default;
        var state = Volatile.Read(ref _state);
        if ((state & PhaseMask) != Idle) { return false; }
        // Written before the compare-and-swap publishes the exchange: a timer still due from the last exchange must
        // find this exchange's deadline, and the body token, not the previous ones.
        Interlocked.Exchange(ref _deadline, Deadline(timeout));
        _body = hasBody ? CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted) : null;
        _exchange = context;
        TimedOut = ClientAborted = HeadCopied = false;
        if (Interlocked.CompareExchange(ref _state, state | Busy, state) != state)
        {
            _body?.Dispose();
            (_body, _exchange) = (null, null);
            return false;
        }
        Buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        Start = End = 0;
        registration = context.RequestAborted.UnsafeRegister(static s => ((UpstreamConnection)s!).AbortForClient(), this);
        Arm(timeout);
        return true;
    }

    /// <summary>
    /// Ends an exchange (cleanly or not; after the abort registration is disposed): gives the buffer back. True when
    /// the connection is still open and idle again, so it may be pooled.
    /// </summary>
    public bool Finish()
    {
        var buffer = Buffer;
        Buffer = [];
        if (buffer.Length > 0) { ArrayPool<byte>.Shared.Return(buffer); }
        if (_body is { } body)
        {
            _body = null;
            body.Dispose();
        }
        _exchange = null;
        var state = Volatile.Read(ref _state);
        return (state & PhaseMask) == Busy && Interlocked.CompareExchange(ref _state, (state & ~PhaseMask) + Generation, state) == state;
    }

    /// <summary>A token for reading the client's body that the activity timeout and the client's abort both cancel.</summary>
    public CancellationToken BodyToken => _body?.Token ?? CancellationToken.None;

    /// <summary>Whether the peer closed (or sent something) while the connection sat idle: then it cannot be reused.</summary>
    public bool PeerClosedOrSpoke()
    {
        try { return _socket.Poll(0, SelectMode.SelectRead); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return true; }
    }

    /// <summary>Moves the activity deadline to <paramref name="timeout"/> from now; every read and write calls it.</summary>
    public void Arm(TimeSpan timeout)
    {
        var deadline = Deadline(timeout);
        // Fenced: the write must not pass the read below (OnTimer reads the deadline after publishing a stopped timer).
        Interlocked.Exchange(ref _deadline, deadline);
        // The common case: the timer is set to fire no later than the new deadline; when it fires it reads the deadline
        // and sleeps again. (OnTimer publishes a stopped timer with a fenced write before it looks at the state, and
        // Begin's compare-and-swap comes before this read, so a busy exchange never sees a stopped timer as running.)
        if (deadline >= Volatile.Read(ref _timerDue)) { return; }
        lock (_timerLock)
        {
            if (deadline >= _timerDue || IsClosed) { return; }
            _timerDue = deadline;
            _timer ??= TimeProvider.System.CreateTimer(static s => ((UpstreamConnection)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(Due(timeout), Timeout.InfiniteTimeSpan);
        }
    }

    private static long Deadline(TimeSpan timeout) => Stopwatch.GetTimestamp() + (long)(Due(timeout).TotalSeconds * Stopwatch.Frequency);

    // A timer cannot wait longer than about 49 days; a longer route timeout is a day at a time (the deadline decides).
    private static TimeSpan Due(TimeSpan timeout) => timeout < MaxDue ? timeout : MaxDue;

    private static readonly TimeSpan MaxDue = TimeSpan.FromDays(1);

    /// <summary>Sends all of <paramref name="bytes"/>.</summary>
    public async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None)..];
        }
    }

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

    private void OnTimer()
    {
        long state;
        lock (_timerLock)
        {
            Interlocked.Exchange(ref _timerDue, long.MaxValue);
            state = Volatile.Read(ref _state);
            if ((state & PhaseMask) != Busy) { return; }
            var left = _deadline - Stopwatch.GetTimestamp();
            if (left > 0)
            {
                // Activity moved the deadline since the timer was set: sleep until the new one.
                Volatile.Write(ref _timerDue, _deadline);
                _timer?.Change(Due(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)), Timeout.InfiniteTimeSpan);
                return;
            }
        }
        if (!CloseIfBusy(state)) { return; }
        TimedOut = true;
        try { _body?.Cancel(); }
        catch (Exception) { } // disposed as the exchange ended, or a registered callback threw: nothing to add
        Close();
        // A client that stopped reading holds the relay in a write no upstream close can end: an answer already on its
        // way is cut off, as YARP's activity timeout does; before that, the exchange answers 504 itself.
        if (_exchange is { Response.HasStarted: true } context) { context.Abort(); }
    }

    private void AbortForClient()
    {
        var state = Volatile.Read(ref _state);
        if (!CloseIfBusy(state)) { return; }
        ClientAborted = true;
        Close();
    }

    private bool CloseIfBusy(long state) =>
        (state & PhaseMask) == Busy && Interlocked.CompareExchange(ref _state, state | Closed, state) == state;

    public void Dispose()
    {
        Interlocked.Or(ref _state, Closed);
        Close();
    }

    private void Close()
    {
        if ((Volatile.Read(ref _state) & PhaseMask) != Closed) { return; }
        // Under the timer's lock: OnTimer re-arms only under it, after seeing the connection not closed.
        lock (_timerLock) { _timer?.Dispose(); }
        _socket.Dispose();
    }
}
