using System.Text;
using Konnect.Gateway.Ai.Formats;
using Konnect.Gateway.Ai.Relay;

namespace Konnect.Gateway.Tests.Ai.Relay;

public sealed class SseReaderTests
{
    /// <summary>A stream of the WHATWG event stream format's corners: every line ending, comments, fields without a space, a multi-line event.</summary>
    private const string Mixed =
        ": a comment first\r\n" +
        "event: message_start\r\n" +
        "data: {\"a\":1}\r\n" +
        "\r\n" +
        "data:no-space\n" +
        "\n" +
        "id: 7\r" +
        "retry: 10\r" +
        "data: first\r" +
        "data\r" +
        "data: third\r" +
        "\r" +
        "event: only-a-type\n" +
        "\n" +
        "data: [DONE]\n" +
        "\n";

    private static readonly (string? Type, string Data)[] MixedEvents =
    [
        ("message_start", "{\"a\":1}"),
        (null, "no-space"),
        (null, "first\n\nthird"),
        (null, "[DONE]"),
    ];

    [Fact]
    public async Task TryRead_EveryLineEndingAndField_EventsAsTheFormatSays()
    {
        Assert.Equal(MixedEvents, await ReadAllAsync(Encoding.UTF8.GetBytes(Mixed), readSize: int.MaxValue));
    }

    [Fact]
    public async Task TryRead_BytesArriveOneAtATime_SameEventsAsWhole()
    {
        // Each read returns one byte, so every event and every CRLF is split across reads somewhere.
        Assert.Equal(MixedEvents, await ReadAllAsync(Encoding.UTF8.GetBytes(Mixed), readSize: 1));
    }

    [Fact]
    public async Task TryRead_CrLfSplitAcrossReads_NotTakenForTwoLineEnds()
    {
        // "data: x\r" then "\n\r\n": were the first CR taken as a line end and the LF as a blank line, the event would end early.
        var bytes = Encoding.UTF8.GetBytes("data: x\r\n\r\ndata: y\r\n\r\n");
        Assert.Equal([(null, "x"), (null, "y")], await ReadAllAsync(bytes, readSize: 8));
    }

    [Fact]
    public async Task ReadMoreAsync_EventLargerThanTheBuffer_ReadWhole()
    {
        var big = new string('w', 100_000);
        Assert.Equal([(null, big)], await ReadAllAsync(Encoding.UTF8.GetBytes($"data: {big}\n\n"), readSize: 4096));
    }

    [Fact]
    public async Task ReadMoreAsync_EndsInsideAnEvent_TheUnfinishedEventIsDropped()
    {
        Assert.Equal([(null, "whole")], await ReadAllAsync(Encoding.UTF8.GetBytes("data: whole\n\ndata: cut off"), readSize: 5));
    }

    [Fact]
    public async Task ReadMoreAsync_EventOverTheLimit_ProviderStreamException()
    {
        using var reader = new SseReader(new EndlessLine());
        var error = await Assert.ThrowsAsync<ProviderStreamException>(async () =>
        {
            while (await reader.ReadMoreAsync(CancellationToken.None)) { Assert.False(reader.TryRead(out _)); }
        });
        Assert.Contains("16 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryRead_TwoEventsInOneRead_BothAvailableBeforeTheNextRead()
    {
        // The relay flushes when TryRead says the bytes received are used up: events that arrived together are both
        // readable before it waits again.
        using var reader = new SseReader(new ChunkedStream(Encoding.UTF8.GetBytes("data: 1\n\ndata: 2\n\ndata: 3"), int.MaxValue));
        Assert.True(await reader.ReadMoreAsync(CancellationToken.None));
        Assert.True(reader.TryRead(out var first));
        Assert.Equal("1", Encoding.UTF8.GetString(first));
        Assert.True(reader.TryRead(out var second));
        Assert.Equal("2", Encoding.UTF8.GetString(second));
        Assert.False(reader.TryRead(out _));
    }

    private static async Task<List<(string? Type, string Data)>> ReadAllAsync(byte[] bytes, int readSize)
    {
        using var reader = new SseReader(new ChunkedStream(bytes, readSize));
        var events = new List<(string?, string)>();
        do
        {
            while (reader.TryRead(out var data)) { events.Add((reader.EventType, Encoding.UTF8.GetString(data))); }
        }
        while (await reader.ReadMoreAsync(CancellationToken.None));
        return events;
    }

    /// <summary>Returns at most <c>readSize</c> bytes per read, as a network stream may.</summary>
    private sealed class ChunkedStream(byte[] bytes, int readSize) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }

    /// <summary>A provider that never ends its line.</summary>
    private sealed class EndlessLine : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'x');
            return count;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
