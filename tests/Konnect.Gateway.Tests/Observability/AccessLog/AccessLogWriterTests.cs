using Konnect.Gateway.Observability.AccessLog;
using Konnect.Gateway.Tests.Infrastructure;

namespace Konnect.Gateway.Tests.Observability.AccessLog;

/// <summary>The writer's shutdown: lines it already handed to the output are not written again by its last drain.</summary>
public sealed class AccessLogWriterTests
{
    [Fact]
    public async Task StopWhileFlushing_EachLineWrittenOnce()
    {
        var output = new StopDuringFlush();
        using var writer = new AccessLogWriter(new AccessLogOutput(output), () => { });
        await writer.StartAsync(CancellationToken.None);
        writer.Enqueue(new AccessLogEntry
        {
            Time = DateTimeOffset.UnixEpoch, RequestId = "only-once", Method = "GET", Host = "example.com", Path = "/", Status = 200, BytesSent = 0, DurationMs = 1,
        });

        // The stop lands while the output is flushing that line (as a gateway stopping under load can).
        await output.Flushing.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = writer.StopAsync(CancellationToken.None);
        output.Release.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(output.Lines, l => l.Contains("only-once", StringComparison.Ordinal));
    }

    /// <summary>Takes the lines, then holds its flush until released, honouring a token it is given as a stream should.</summary>
    private sealed class StopDuringFlush : Stream
    {
        private readonly LineCollector _lines = new();
        public TaskCompletionSource Flushing { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public IReadOnlyList<string> Lines => _lines.Lines;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            _lines.WriteAsync(buffer, cancellationToken);

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushing.TrySetResult();
            await Release.Task;
            cancellationToken.ThrowIfCancellationRequested();
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _lines.Write(buffer, offset, count);
    }
}
