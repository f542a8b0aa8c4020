using System.Buffers;
using System.Text;
using Konnect.Gateway.Redis;

namespace Konnect.Gateway.Tests.Redis;

/// <summary>RESP2 framing: a reply is read only once all of it has arrived, however TCP splits it.</summary>
public sealed class RespProtocolTests
{
    private const string Reply = "*4\r\n:1\r\n$5\r\nhe\r\no\r\n$-1\r\n*2\r\n+OK\r\n-ERR no\r\n";

    private static bool TryRead(string text, out RespValue value, out long consumed)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)));
        var complete = RespProtocol.TryRead(ref reader, out value);
        consumed = reader.Consumed;
        return complete;
    }

    [Fact]
    public void A_whole_reply_is_read_with_every_type()
    {
        Assert.True(TryRead(Reply + "+next\r\n", out var value, out var consumed));
        Assert.Equal(Reply.Length, consumed);
        Assert.Equal((RespKind.Array, 4), (value.Kind, value.Items.Count));
        Assert.Equal(1, value.Items[0].Integer);
        Assert.Equal("he\r\no", value.Items[1].Text);
        Assert.Equal(RespKind.Null, value.Items[2].Kind);
        Assert.Equal(("OK", RespKind.Error, "ERR no"), (value.Items[3].Items[0].Text, value.Items[3].Items[1].Kind, value.Items[3].Items[1].Text));
    }

    [Fact]
    public void Every_truncation_of_a_reply_is_incomplete()
    {
        for (var length = 0; length < Reply.Length; length++)
        {
            Assert.False(TryRead(Reply[..length], out _, out _), $"complete at {length} bytes");
        }
    }

    [Fact]
    public void Bytes_that_are_not_resp_are_refused()
    {
        Assert.Throws<RedisException>(() => TryRead("HTTP/1.1 400 Bad Request\r\n", out _, out _));
        Assert.Throws<RedisException>(() => TryRead("$99999999999\r\n", out _, out _));
    }

    [Fact]
    public void Commands_are_written_as_arrays_of_bulk_strings()
    {
        var output = new ArrayBufferWriter<byte>();
        RespProtocol.WriteCommand(output, ["SET", "k", "grüß"]);
        Assert.Equal("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\ngrüß\r\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
