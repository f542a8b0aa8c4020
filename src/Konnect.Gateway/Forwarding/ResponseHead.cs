using System.Buffers;
using System.Buffers.Text;
using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Konnect.Gateway.Forwarding;

internal enum BodyFraming { None, Length, Chunked, UntilClose }

/// <summary>How the upstream's answer is framed (RFC 9112 section 6.3) and whether its connection can be reused.</summary>
internal readonly record struct ResponseFraming(BodyFraming Body, long Length, bool KeepAlive);

/// <summary>The upstream broke HTTP/1.1: the gateway answers 502 and closes the connection.</summary>
internal sealed class UpstreamProtocolException(string message) : IOException(message);

/// <summary>
/// Reads an upstream's response head (status line and header fields) and copies it onto the client's response as
/// YARP does: hop-by-hop fields dropped, everything else appended in order, a reason phrase kept when it is not the
/// standard one. Interim 1xx answers are skipped. The head is validated in full before anything is copied, so a
/// malformed answer leaves the client's response untouched for the 502 problem document.
/// </summary>
internal static class ResponseHead
{
    /// <summary>The largest header section accepted, as SocketsHttpHandler's default.</summary>
    public const int MaxSize = 64 * 1024;

    // RFC 9110 token characters: what a field name may hold.
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // What a field value (and a reason phrase) may hold that Kestrel sends as is: HTAB, SP and visible ASCII.
    private static readonly SearchValues<byte> ValueChars = SearchValues.Create(
        [(byte)'\t', .. Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b)]);

    /// <summary>Never copied from an upstream's answer (the same list YARP drops).</summary>
    internal static readonly FrozenSet<string> HopByHop = new[]
    {
        "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "Proxy-Authenticate",
        "Proxy-Authentication-Info", "Proxy-Authorization", "Proxy-Features", "Proxy-Instruction", "Security-Scheme", "ALPN",
        "Close", "HTTP2-Settings", "Upgrade-Insecure-Requests", "TE", "Alt-Svc",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly bool[] KnownHopByHop = Enumerable.Range(0, ResponseHeaderNames.Count)
        .Select(i => HopByHop.Contains(ResponseHeaderNames.Name(i))).ToArray();

    public static bool IsFieldName(ReadOnlySpan<byte> name) => name.Length > 0 && !name.ContainsAnyExcept(TokenChars);

    /// <summary>Receives until a final response head is complete, copies it onto the response and consumes it.</summary>
    /// <param name="bodyless">The request was HEAD: whatever the head says, no body follows.</param>
    public static async ValueTask<ResponseFraming> ReadAsync(UpstreamConnection connection, HttpContext context, TimeSpan timeout, bool bodyless)
    {
        // One deadline for the whole head, as YARP's: bytes trickling in, or interim answers one after another, are no
        // answer, and must not hold the request past the rule's timeout.
        connection.Arm(timeout);
        while (true)
        {
            int end;
            while ((end = connection.Buffer.AsSpan(connection.Start, connection.End - connection.Start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (connection.End - connection.Start >= MaxSize)
                {
                    throw new UpstreamProtocolException($"The upstream's response header section is larger than {MaxSize / 1024} KiB.");
                }
                if (connection.End == connection.Buffer.Length)
                {
                    if (connection.Start > 0) { connection.Compact(); }
                    else { connection.Grow(connection.Buffer.Length * 2); }
                }
                if (await connection.ReceiveAsync() == 0)
                {
                    throw new UpstreamClosedException(connection.End > 0);
                }
            }

            var headLength = end + 2; // through the last field's CRLF
            var head = connection.Buffer.AsSpan(connection.Start, headLength);
            var status = ParseStatus(head, out var lineLength, out var http10);
            connection.Start += headLength + 2;
            if (status is >= 100 and < 200)
            {
                // 100 Continue, 103 Early Hints: interim, the final answer follows on the same connection. 101 would
                // switch protocols, which this forwarder never asks for.
                if (status == 101) { throw new UpstreamProtocolException("The upstream switched protocols (101) without being asked to."); }
                continue;
            }

            var fields = head[lineLength..];
            var framing = Validate(fields, status, bodyless, http10);
            connection.HeadCopied = true;
            Copy(connection, context, head[..lineLength], fields, status, framing);
            return framing;
        }
    }

    private static int ParseStatus(ReadOnlySpan<byte> head, out int lineLength, out bool http10)
    {
        var eol = head.IndexOf("\r\n"u8);
        var line = head[..eol];
        lineLength = eol + 2;
        // A bare LF or CR ends the line for a lenient parser: reading on to the CRLF would take the fields, even the
        // body, of such an answer for a reason phrase and the fields behind it.
        if (line.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            throw new UpstreamProtocolException("The upstream's status line holds a bare CR or LF.");
        }
        // "HTTP/1.x NNN[ reason]"
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || (line[7] != (byte)'1' && line[7] != (byte)'0') || line[8] != (byte)' '
            || !Utf8Parser.TryParse(line.Slice(9, 3), out int status, out var used) || used != 3 || status < 100
            || (line.Length > 12 && line[12] != (byte)' '))
        {
            throw new UpstreamProtocolException("The upstream's status line is not HTTP/1.x.");
        }
        http10 = line[7] == (byte)'0';
        return status;
    }

    private static ResponseFraming Validate(ReadOnlySpan<byte> fields, int status, bool bodyless, bool http10)
    {
        long length = -1;
        bool chunked = false, transferEncoding = false, contentLength = false, close = http10;
        foreach (var (name, value) in new FieldEnumerator(fields))
        {
            if (!IsFieldName(name))
            {
                throw new UpstreamProtocolException("The upstream sent an invalid header field name.");
            }
            if (value.ContainsAnyExcept(ValueChars))
            {
                // Control characters would split the client's answer; bytes above 0x7E Kestrel refuses to send.
                throw new UpstreamProtocolException("The upstream sent a header field value with a control or non-ASCII character.");
            }
            switch (ResponseHeaderNames.IndexOf(name))
            {
                case ResponseHeaderNames.ContentLength:
                    contentLength = true;
                    if (new TokenEnumerator(value) is var parts && !parts.MoveNext())
                    {
                        throw new UpstreamProtocolException("The upstream sent an empty Content-Length.");
                    }
                    foreach (var part in new TokenEnumerator(value))
                    {
                        if (!Utf8Parser.TryParse(part, out long parsed, out var used) || used != part.Length || parsed < 0 || (length >= 0 && parsed != length))
                        {
                            throw new UpstreamProtocolException("The upstream sent an invalid Content-Length.");
                        }
                        length = parsed;
                    }
                    break;
                case ResponseHeaderNames.TransferEncoding:
                    transferEncoding = true;
                    foreach (var part in new TokenEnumerator(value)) { chunked = Ascii.EqualsIgnoreCase(part, "chunked"u8); }
                    break;
                case ResponseHeaderNames.Connection:
                    foreach (var part in new TokenEnumerator(value))
                    {
                        if (Ascii.EqualsIgnoreCase(part, "close"u8)) { close = true; }
                        else if (Ascii.EqualsIgnoreCase(part, "keep-alive"u8) && http10) { close = false; }
                    }
                    break;
            }
        }

        if (bodyless || status is 204 or 304) { return new ResponseFraming(BodyFraming.None, length, !close); }
        if (transferEncoding)
        {
            // Both framings, or a transfer coding from an HTTP/1.0 server: faulty framing (RFC 9112 6.1 and 6.3); the
            // body is read as the coding says, and the connection is not used again.
            var keep = !close && !contentLength && !http10;
            return chunked ? new ResponseFraming(BodyFraming.Chunked, -1, keep) : new ResponseFraming(BodyFraming.UntilClose, -1, false);
        }
        return length >= 0 ? new ResponseFraming(BodyFraming.Length, length, !close) : new ResponseFraming(BodyFraming.UntilClose, -1, false);
    }

    private static void Copy(UpstreamConnection connection, HttpContext context, ReadOnlySpan<byte> statusLine, ReadOnlySpan<byte> fields, int status, ResponseFraming framing)
    {
        var response = context.Response;
        response.StatusCode = status;
        var reason = statusLine.Length > 15 ? statusLine[13..^2] : default;
        // A reason with anything but visible ASCII and spaces is dropped (Kestrel writes it unchecked).
        if (!reason.IsEmpty && !reason.ContainsAnyExcept(ValueChars) && !Ascii.Equals(reason, ReasonPhrases.GetReasonPhrase(status)))
        {
            context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = Encoding.Latin1.GetString(reason);
        }

        var headers = response.Headers;
        foreach (var (name, value) in new FieldEnumerator(fields))
        {
            var known = ResponseHeaderNames.IndexOf(name);
            if (known == ResponseHeaderNames.ContentLength)
            {
                // Dropped when the body is chunked (RFC 9112 6.3); a 204 has none.
                if (framing.Length >= 0 && framing.Body != BodyFraming.Chunked && status != 204) { response.ContentLength = framing.Length; }
                continue;
            }
            if (known >= 0)
            {
                if (KnownHopByHop[known]) { continue; }
                headers.Append(ResponseHeaderNames.Name(known), Value(connection, known, value));
                continue;
            }
            var nameText = UnknownName(connection, name);
            if (!HopByHop.Contains(nameText)) { headers.Append(nameText, Encoding.ASCII.GetString(value)); }
        }
    }

    private static string Value(UpstreamConnection connection, int known, ReadOnlySpan<byte> value)
    {
        var last = connection.LastValues[known];
        if (last is not null && last.Length == value.Length && Ascii.Equals(value, last)) { return last; }
        return connection.LastValues[known] = Encoding.ASCII.GetString(value);
    }

    /// <summary>The name's string, from the connection's few slots when it came before (X-Powered-By, X-Trace-Id...).</summary>
    private static string UnknownName(UpstreamConnection connection, ReadOnlySpan<byte> name)
    {
        var names = connection.LastNames;
        var slot = (name.Length + name[0]) & (names.Length - 1);
        var last = names[slot];
        if (last is not null && last.Length == name.Length && Ascii.Equals(name, last)) { return last; }
        return names[slot] = Encoding.ASCII.GetString(name);
    }
}

/// <summary>The upstream closed before a whole response head arrived.</summary>
internal sealed class UpstreamClosedException(bool partial)
    : IOException(partial ? "The upstream closed the connection in the middle of its response head." : "The upstream closed the connection without answering.")
{
    /// <summary>Some of a response arrived: the request was seen, and must not be sent again.</summary>
    public bool Partial { get; } = partial;
}
