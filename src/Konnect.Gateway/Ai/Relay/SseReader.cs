using System.Buffers;
using System.Text;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Ai.Relay;

/// <summary>
/// Reads a provider's server-sent events (the WHATWG event stream format: lines ended by CRLF, LF or CR; <c>event</c>
/// and <c>data</c> fields; comments; a blank line ends an event) from its response body, without making a string of
/// each event. Written here rather than using System.Net.ServerSentEvents.SseParser because the relay must know when
/// the events already received are used up (<see cref="TryRead"/> returns false) and the next read would wait: that
/// is when it flushes to the client, so events that arrived together go out together in one write, and no event
/// waits for a later one.
/// </summary>
internal sealed class SseReader : IDisposable
{
    /// <summary>An event larger than this ends the stream as broken: a provider sending an endless line must not take the gateway's memory.</summary>
    public const int MaxEventBytes = 16 * 1024 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private byte[]? _joined;
    private int _start;
    private int _end;
    private string? _lastType;

    public SseReader(Stream stream) => _stream = stream;

    /// <summary>The type of the event <see cref="TryRead"/> last returned (its <c>event:</c> field), or null.</summary>
    public string? EventType { get; private set; }

    /// <summary>
    /// The next whole event among the bytes received so far. Its data (the <c>data:</c> lines joined by LF) stays valid
    /// until the next call of <see cref="TryRead"/> or <see cref="ReadMoreAsync"/>.
    /// </summary>
    /// <returns>False when the bytes received hold no further whole event.</returns>
    public bool TryRead(out ReadOnlySpan<byte> data)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            string? type = null;
            var dataStart = -1;
            var dataEnd = -1;
            var dataLines = 0;
            var position = 0;
            while (true)
            {
                var lineLength = span[position..].IndexOfAny((byte)'\n', (byte)'\r');
                // A CR as the last byte received may be the first half of a CRLF: the line is whole only once the next byte is seen.
                if (lineLength < 0 || (span[position + lineLength] == '\r' && position + lineLength + 1 == span.Length))
                {
                    data = default;
                    return false;
                }
                var line = span.Slice(position, lineLength);
                var next = position + lineLength + (span[position + lineLength] == '\r' && span[position + lineLength + 1] == '\n' ? 2 : 1);
                if (line.IsEmpty)
                {
                    _start += next;
                    if (dataLines == 0) { break; } // an event without data is not dispatched (and resets the type)
                    EventType = type;
                    data = dataLines == 1 ? span[dataStart..dataEnd] : Join(span[..next]);
                    return true;
                }
                var colon = line.IndexOf((byte)':');
                var field = colon < 0 ? line : line[..colon];
                var valueStart = colon < 0 ? lineLength : colon + 1 + (colon + 1 < lineLength && line[colon + 1] == ' ' ? 1 : 0);
                if (field.SequenceEqual("data"u8))
                {
                    dataLines++;
                    if (dataLines == 1) { dataStart = position + valueStart; dataEnd = position + lineLength; }
                }
                else if (field.SequenceEqual("event"u8))
                {
                    type = TypeName(line[valueStart..]);
                }
                // id, retry, comments (an empty field name) and unknown fields mean nothing to the relay.
                position = next;
            }
        }
    }

    /// <summary>Reads more of the stream into the buffer.</summary>
    /// <returns>False at the end of the stream (an event not ended by a blank line is dropped, as the format says).</returns>
    /// <exception cref="ProviderStreamException">An event over <see cref="MaxEventBytes"/>.</exception>
    public async ValueTask<bool> ReadMoreAsync(CancellationToken aborted)
    {
        if (_start > 0)
        {
            // Keep only the unread part, at the buffer's start.
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxEventBytes) { throw new ProviderStreamException($"the provider sent an event over {MaxEventBytes / (1024 * 1024)} MiB"); }
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), aborted).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        if (_joined is not null) { ArrayPool<byte>.Shared.Return(_joined); }
        _buffer = [];
        _joined = null;
    }

    /// <summary>An event of several data lines: their values joined by LF, as the format says.</summary>
    private ReadOnlySpan<byte> Join(ReadOnlySpan<byte> eventBytes)
    {
        if (_joined is null || _joined.Length < eventBytes.Length)
        {
            if (_joined is not null) { ArrayPool<byte>.Shared.Return(_joined); }
            _joined = ArrayPool<byte>.Shared.Rent(eventBytes.Length);
        }
        var length = 0;
        var position = 0;
        while (position < eventBytes.Length)
        {
            var lineLength = eventBytes[position..].IndexOfAny((byte)'\n', (byte)'\r');
            var line = eventBytes.Slice(position, lineLength);
            position += lineLength + (eventBytes[position + lineLength] == '\r' && position + lineLength + 1 < eventBytes.Length && eventBytes[position + lineLength + 1] == '\n' ? 2 : 1);
            if (!line.StartsWith("data"u8) || (line.Length > 4 && line[4] != ':')) { continue; }
            var value = line.Length <= 5 ? [] : line[5..];
            if (!value.IsEmpty && value[0] == ' ') { value = value[1..]; }
            if (length > 0) { _joined[length++] = (byte)'\n'; }
            value.CopyTo(_joined.AsSpan(length));
            length += value.Length;
        }
        return _joined.AsSpan(0, length);
    }

    /// <summary>The event type as a string, reusing the last one when it repeats (streams use a handful of names).</summary>
    private string TypeName(ReadOnlySpan<byte> value)
    {
        if (_lastType is not null && Encoding.UTF8.GetByteCount(_lastType) == value.Length && Utf8Equals(_lastType, value)) { return _lastType; }
        return _lastType = Encoding.UTF8.GetString(value);
    }

    private static bool Utf8Equals(string text, ReadOnlySpan<byte> utf8)
    {
        Span<byte> encoded = stackalloc byte[256];
        return utf8.Length <= encoded.Length && Encoding.UTF8.GetBytes(text, encoded) == utf8.Length && encoded[..utf8.Length].SequenceEqual(utf8);
    }
}
