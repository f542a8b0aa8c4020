using System.Text;

namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>A write-only stream standing in for stdout: keeps every complete line written to it.</summary>
internal sealed class LineCollector : Stream
{
    private readonly List<string> _lines = [];
    private readonly StringBuilder _partial = new();

    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) { return [.. _lines]; } }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lines)
        {
            _partial.Append(Encoding.UTF8.GetString(buffer));
            var text = _partial.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0) { return; }
            _lines.AddRange(text[..end].Split('\n'));
            _partial.Clear().Append(text[(end + 1)..]);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
