using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Konnect.Gateway.Redis;

/// <summary>
/// RESP2 framing: commands go out as arrays of bulk strings; replies are parsed from whatever bytes have arrived,
/// returning false (and consuming nothing) until a whole reply is there, so a reply split across TCP reads is fine.
/// </summary>
internal static class RespProtocol
{
    // Far above anything a rate-limit reply carries; a peer announcing more is not a Redis we understand.
    private const int MaxBulkLength = 16 * 1024 * 1024;
    private const int MaxArrayLength = 1024 * 1024;

    public static void WriteCommand(IBufferWriter<byte> output, IReadOnlyList<string> args)
    {
        Header(output, (byte)'*', args.Count);
        foreach (var arg in args)
        {
            var length = Encoding.UTF8.GetByteCount(arg);
            Header(output, (byte)'$', length);
            var span = output.GetSpan(length + 2);
            Encoding.UTF8.GetBytes(arg, span);
            span[length] = (byte)'\r';
            span[length + 1] = (byte)'\n';
            output.Advance(length + 2);
        }
    }

    private static void Header(IBufferWriter<byte> output, byte prefix, int value)
    {
        var span = output.GetSpan(16);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[written + 1] = (byte)'\r';
        span[written + 2] = (byte)'\n';
        output.Advance(written + 3);
    }

    /// <exception cref="RedisException">The bytes are not RESP.</exception>
    public static bool TryRead(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = RespValue.Null;
        if (!reader.TryRead(out var prefix) || !reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
        {
            return false;
        }
        switch (prefix)
        {
            case (byte)'+':
                value = RespValue.Simple(Encoding.UTF8.GetString(line));
                return true;
            case (byte)'-':
                value = RespValue.Error(Encoding.UTF8.GetString(line));
                return true;
            case (byte)':':
                value = RespValue.Number(ParseInteger(line));
                return true;
            case (byte)'$':
            {
                var length = ParseInteger(line);
                if (length == -1) { return true; }
                if (length is < 0 or > MaxBulkLength) { throw new RedisException($"Redis sent a bulk string of length {length}"); }
                if (reader.Remaining < length + 2) { return false; }
                value = RespValue.Bulk(Encoding.UTF8.GetString(reader.Sequence.Slice(reader.Position, length)));
                reader.Advance(length);
                if (!reader.IsNext("\r\n"u8, advancePast: true)) { throw new RedisException("Redis sent a bulk string without its CRLF"); }
                return true;
            }
            case (byte)'*':
            {
                var count = ParseInteger(line);
                if (count == -1) { return true; }
                if (count is < 0 or > MaxArrayLength) { throw new RedisException($"Redis sent an array of length {count}"); }
                var items = new RespValue[count];
                for (var i = 0; i < count; i++)
                {
                    if (!TryRead(ref reader, out items[i])) { return false; }
                }
                value = RespValue.Array(items);
                return true;
            }
            default:
                throw new RedisException($"Redis sent a reply starting with byte 0x{prefix:x2}, which is not RESP2");
        }
    }

    private static long ParseInteger(ReadOnlySequence<byte> line)
    {
        Span<byte> buffer = stackalloc byte[24];
        if (line.Length > buffer.Length) { throw new RedisException("Redis sent an integer that is too long"); }
        line.CopyTo(buffer);
        var digits = buffer[..(int)line.Length];
        if (!Utf8Parser.TryParse(digits, out long value, out var consumed) || consumed != digits.Length)
        {
            throw new RedisException("Redis sent a malformed integer");
        }
        return value;
    }
}
