using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace Konnect.Gateway.Observability.AccessLog;

/// <summary>
/// Where access-log lines go: stdout in production, a test's stream in tests. Registered once; the writer owns
/// writes to it.
/// </summary>
public sealed class AccessLogOutput(Stream stream)
{
    public Stream Stream { get; } = stream;

    public static AccessLogOutput Stdout() => new(Console.OpenStandardOutput());
}

/// <summary>
/// Takes entries from request threads through a bounded channel and writes them on one background task, so a slow
/// stdout never slows a request: when the queue is full the entry is dropped and counted
/// (the <c>dropped</c> callback: konnect_access_log_dropped_total, which the host wires to the metrics) rather than
/// waited for.
/// </summary>
internal sealed class AccessLogWriter(AccessLogOutput output, Action dropped) : BackgroundService
{
    public const int Capacity = 8192;

    // Lines are flushed in writes of at most this size, cut at line ends: on a pipe, a write up to PIPE_BUF (4096 on
    // Linux) is atomic, so console logging on the same stdout never splices into the middle of a line.
    private const int FlushBytes = 4096;

    /// <summary>
    /// How long the writer gathers lines after it wakes before it drains them. Without it, every request under load
    /// woke the writer task on its own (a thread-pool wake-up and a write per line, about a fifth of the gateway's
    /// CPU at 30,000 requests a second); a line reaches stdout at most this much later.
    /// </summary>
    internal static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(10);

    private readonly Channel<AccessLogEntry> _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void Enqueue(AccessLogEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            dropped();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new ArrayBufferWriter<byte>(FlushBytes * 2);
        var line = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(line);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(Gather, stoppingToken);
                await DrainAsync(pending, line, json);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is already queued is still written below.
        }

        await DrainAsync(pending, line, json);
    }

    private async Task DrainAsync(ArrayBufferWriter<byte> pending, ArrayBufferWriter<byte> line, Utf8JsonWriter json)
    {
        while (_queue.Reader.TryRead(out var entry))
        {
            line.ResetWrittenCount();
            json.Reset(line);
            AccessLogJson.Write(json, entry);
            json.Flush();
            line.GetSpan(1)[0] = (byte)'\n';
            line.Advance(1);
            if (pending.WrittenCount > 0 && pending.WrittenCount + line.WrittenCount > FlushBytes)
            {
                await FlushAsync(pending);
            }

            pending.Write(line.WrittenSpan);
        }

        await FlushAsync(pending);
    }

    /// <summary>
    /// Not cancellable: a write cancelled at shutdown after the stream took the lines left them pending, and the final
    /// drain wrote them again (a request logged twice). Shutdown waits for the short write instead.
    /// </summary>
    private async Task FlushAsync(ArrayBufferWriter<byte> pending)
    {
        if (pending.WrittenCount == 0)
        {
            return;
        }

        try
        {
            await output.Stream.WriteAsync(pending.WrittenMemory);
            await output.Stream.FlushAsync();
        }
        catch (IOException)
        {
            // stdout closed (the reader went away): the gateway keeps serving; the log has nowhere to go.
        }

        pending.ResetWrittenCount();
    }
}
