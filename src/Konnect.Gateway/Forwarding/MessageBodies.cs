using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Forwarding;

/// <summary>Reading the client's request body or writing the client's response failed: the client's side broke.</summary>
internal sealed class ClientSideException(Exception inner) : IOException(inner.Message, inner);

/// <summary>Streams the client's request body upstream, as it arrives, framed by Content-Length or chunked.</summary>
internal static class RequestBody
{
    // Room in front of the data for a chunk-size line ("ffffffff\r\n").
    private const int ChunkPrefix = 16;

    private static readonly byte[] LastChunk = "0\r\n\r\n"u8.ToArray();

    /// <param name="length">The declared length; null sends the body chunked.</param>
    public static async ValueTask SendAsync(UpstreamConnection connection, HttpContext context, long? length, TimeSpan timeout)
    {
        var body = context.Request.Body;
        var buffer = connection.Buffer;
        var room = buffer.AsMemory(ChunkPrefix, buffer.Length - ChunkPrefix - 2);
        var left = length ?? long.MaxValue;
        while (true)
        {
            // Never more than declared: bytes past the length would be read by the upstream as a next request.
            var read = await ReadAsync(body, left > 0 ? room[..(int)Math.Min(room.Length, left)] : room[..1], connection.BodyToken);
            if (read == 0) { break; }
            if (length is not null && read > left)
            {
                // Only a body replaced on the way (never the client's, which the server frames) can run past its
                // Content-Length. The connection is closed, not reused.
                throw new ClientSideException(new IOException($"The request body is longer than its Content-Length ({length})."));
            }
            left -= read;
            connection.Arm(timeout);
            if (length is not null)
            {
                await connection.SendAllAsync(buffer.AsMemory(ChunkPrefix, read));
                continue;
            }
            read.TryFormat(buffer.AsSpan(0, ChunkPrefix), out var digits, "x", CultureInfo.InvariantCulture);
            var start = ChunkPrefix - digits - 2;
            buffer.AsSpan(0, digits).CopyTo(buffer.AsSpan(start));
            "\r\n"u8.CopyTo(buffer.AsSpan(ChunkPrefix - 2));
            "\r\n"u8.CopyTo(buffer.AsSpan(ChunkPrefix + read));
            await connection.SendAllAsync(buffer.AsMemory(start, ChunkPrefix + read + 2 - start));
        }

        if (length is null)
        {
            connection.Arm(timeout);
            await connection.SendAllAsync(LastChunk);
        }
        else if (left != 0)
        {
            throw new ClientSideException(new IOException($"The request body ended {left} bytes short of its Content-Length ({length})."));
        }
    }

    private static async ValueTask<int> ReadAsync(Stream body, Memory<byte> into, CancellationToken aborted)
    {
        try { return await body.ReadAsync(into, aborted); }
        catch (Exception e) { throw new ClientSideException(e); }
    }
}

/// <summary>Relays the upstream's response body to the client as it arrives: by length, chunked, or until close.</summary>
internal static class ResponseBody
{
    private const int MaxLine = 4096;

    /// <summary>Relays the body; true when the connection ended exactly at the end of it (so it can carry another).</summary>
    public static async ValueTask<bool> RelayAsync(UpstreamConnection connection, HttpContext context, ResponseFraming framing, TimeSpan timeout)
    {
        switch (framing.Body)
        {
            case BodyFraming.Length:
                await CopyAsync(connection, context, framing.Length, timeout, untilClose: false);
                break;
            case BodyFraming.Chunked:
                await ChunkedAsync(connection, context, timeout);
                break;
            case BodyFraming.UntilClose:
                await CopyAsync(connection, context, long.MaxValue, timeout, untilClose: true);
                return false;
        }
        return connection.Start == connection.End;
    }

    private static async ValueTask CopyAsync(UpstreamConnection connection, HttpContext context, long count, TimeSpan timeout, bool untilClose)
    {
        var body = context.Response.Body;
        while (count > 0)
        {
            if (connection.Start == connection.End)
            {
                connection.Start = connection.End = 0;
                connection.Arm(timeout);
                if (await connection.ReceiveAsync() == 0)
                {
                    if (untilClose) { return; }
                    throw new UpstreamProtocolException("The upstream closed the connection before the end of the response body.");
                }
            }
            var take = (int)Math.Min(count, connection.End - connection.Start);
            // A client that reads slowly is activity too: the deadline covers each write as YARP's does.
            connection.Arm(timeout);
            try { await body.WriteAsync(connection.Buffer.AsMemory(connection.Start, take)); }
            catch (Exception e) { throw new ClientSideException(e); }
            connection.Start += take;
            count -= take;
        }
    }

    private static async ValueTask ChunkedAsync(UpstreamConnection connection, HttpContext context, TimeSpan timeout)
    {
        while (true)
        {
            var line = await LineAsync(connection, timeout);
            var sizeText = connection.Buffer.AsSpan(connection.Start, line);
            var extension = sizeText.IndexOf((byte)';');
            if (extension >= 0) { sizeText = sizeText[..extension]; }
            sizeText = sizeText.Trim(" \t"u8);
            if (sizeText.IsEmpty || sizeText.Length > 15 || !Utf8Parser.TryParse(sizeText, out long size, out var used, 'x') || used != sizeText.Length)
            {
                throw new UpstreamProtocolException("The upstream sent an invalid chunk size.");
            }
            connection.Start += line + 2;
            if (size == 0) { break; }
            await CopyAsync(connection, context, size, timeout, untilClose: false);
            if (await LineAsync(connection, timeout) != 0) { throw new UpstreamProtocolException("A chunk of the upstream's body did not end where its size said."); }
            connection.Start += 2;
        }

        // Trailer fields, then the empty line. Clients that can take trailers (HTTP/2 and 3) get them, as from YARP.
        var trailers = context.Response.SupportsTrailers();
        int length;
        while ((length = await LineAsync(connection, timeout)) > 0)
        {
            if (trailers)
            {
                var lineBytes = connection.Buffer.AsSpan(connection.Start, length + 2);
                foreach (var (name, value) in new FieldEnumerator(lineBytes))
                {
                    if (!ResponseHead.IsFieldName(name)) { throw new UpstreamProtocolException("The upstream sent an invalid trailer field name."); }
                    var nameText = Encoding.ASCII.GetString(name);
                    if (!ResponseHead.HopByHop.Contains(nameText)) { context.Response.AppendTrailer(nameText, Encoding.Latin1.GetString(value)); }
                }
            }
            connection.Start += length + 2;
        }
        connection.Start += 2;
    }

    /// <summary>Receives until a CRLF-terminated line starts at Start; returns its length without the CRLF.</summary>
    private static async ValueTask<int> LineAsync(UpstreamConnection connection, TimeSpan timeout)
    {
        int eol;
        while ((eol = connection.Buffer.AsSpan(connection.Start, connection.End - connection.Start).IndexOf("\r\n"u8)) < 0)
        {
            if (connection.End - connection.Start > MaxLine) { throw new UpstreamProtocolException("The upstream sent a chunk line that is too long."); }
            connection.Compact();
            connection.Arm(timeout);
            if (await connection.ReceiveAsync() == 0)
            {
                throw new UpstreamProtocolException("The upstream closed the connection before the end of the chunked response body.");
            }
        }
        return eol;
    }
}
