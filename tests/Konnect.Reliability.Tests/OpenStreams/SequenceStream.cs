using System.Diagnostics;
using System.Globalization;

namespace Konnect.Reliability.Tests.OpenStreams;

/// <summary>
/// One long-lived stream through the gateway carrying sequence-numbered messages: every message must come back (or
/// arrive) whole, once, and in order. Lost is what was sent but never arrived; a message other than the next expected
/// one is counted as out of order and named in <see cref="FirstProblem"/>.
/// </summary>
public abstract class SequenceStream : IAsyncDisposable
{
    private long _sent;
    private long _received;
    private long _outOfOrder;
    private string? _firstProblem;

    /// <summary>"WebSocket", "gRPC", "SSE": the name in figures and failure messages.</summary>
    public abstract string Kind { get; }

    public long Sent => Interlocked.Read(ref _sent);
    public long Received => Interlocked.Read(ref _received);
    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);
    public long Lost => Sent - Received;

    /// <summary>The first thing that went wrong (a message out of order, an error, an unclean end), or null.</summary>
    public string? FirstProblem => Volatile.Read(ref _firstProblem);

    /// <summary>Opens the stream and starts sending (or receiving) in the background.</summary>
    public abstract Task OpenAsync(Uri gateway);

    /// <summary>Stops sending, waits until every message sent has arrived, and ends the stream cleanly.</summary>
    public abstract Task FinishAsync();

    public abstract ValueTask DisposeAsync();

    protected void CountSent() => Interlocked.Increment(ref _sent);

    /// <summary>For a stream whose other end counts what it sent.</summary>
    protected void SetSent(long sent) => Interlocked.Exchange(ref _sent, sent);

    /// <summary>Checks one arrival against the next number expected.</summary>
    protected void Arrived(string message, Func<long, string> expected)
    {
        var next = Received;
        if (message == expected(next))
        {
            Interlocked.Increment(ref _received);
            return;
        }
        Interlocked.Increment(ref _outOfOrder);
        Problem($"message {next.ToString(CultureInfo.InvariantCulture)} expected \"{expected(next)}\", got \"{message}\"");
    }

    protected void Problem(string problem) => Interlocked.CompareExchange(ref _firstProblem, $"{Kind}: {problem}", null);

    /// <summary>Waits (polling, with a deadline) until everything sent has arrived or the stream has a problem.</summary>
    protected async Task DrainAsync(TimeSpan limit)
    {
        var started = Stopwatch.GetTimestamp();
        while (Received < Sent && OutOfOrder == 0 && Stopwatch.GetElapsedTime(started) < limit) { await Task.Delay(10); }
        if (Received < Sent) { Problem($"{Lost} of {Sent} messages had not arrived {limit.TotalSeconds} s after the last was sent"); }
    }
}
