namespace Konnect.Gateway.Policies.Caching;

/// <summary>
/// Wraps the response body on a cache miss: every write goes to the client at once, and a copy is kept until it
/// passes the rule's maxBodySize. Past that the copy is dropped and the rest streams through, so a large download
/// is never buffered whole just to find out it cannot be cached.
/// </summary>
internal sealed class CaptureStream(Stream inner, long limit) : Stream
{
    private MemoryStream? _copy = new();

    public Stream Inner { get; } = inner;

    /// <summary>The body written so far, or null once it grew past the limit.</summary>
    public byte[]? Captured => _copy?.ToArray();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Inner.Write(buffer);
        Keep(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Inner.WriteAsync(buffer, cancellationToken);
        Keep(buffer.Span);
    }

    private void Keep(ReadOnlySpan<byte> buffer)
    {
        if (_copy is null) { return; }
        if (_copy.Length + buffer.Length > limit)
        {
            _copy = null;
            return;
        }
        _copy.Write(buffer);
    }

    public override void Flush() => Inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
