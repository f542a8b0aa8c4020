namespace Konnect.Gateway.Policies.Transforms;

/// <summary>Reads a body up to a limit, so an edit never buffers more than its maxSize.</summary>
internal static class BoundedReader
{
    /// <returns>What was read, and whether it is the whole body (false: the limit was passed and the rest is still in the stream).</returns>
    public static async Task<(ReadOnlyMemory<byte> Body, bool Complete)> ReadAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0) { return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), true); }
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) { return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), false); }
        }
    }
}

/// <summary>A request body whose first bytes were already read: they are replayed, then the rest of the original follows.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty) { return rest.Read(buffer); }
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix.IsEmpty) { return rest.ReadAsync(buffer, cancellationToken); }
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer.Span);
        _prefix = _prefix[n..];
        return ValueTask.FromResult(n);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
