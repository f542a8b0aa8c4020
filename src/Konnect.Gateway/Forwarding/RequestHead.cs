using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// Writes the upstream request head as YARP's default transforms shape it: the upstream's own authority as Host, every
/// client header but the hop-by-hop ones, and X-Forwarded-For/-Host/-Proto/-Prefix set from the client connection
/// (replacing any the client sent, and dropping its Forwarded header).
/// </summary>
internal static class RequestHead
{
    private static readonly FrozenSet<string> Skipped = ResponseHead.HopByHop
        .Concat(["Host", "Content-Length", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix"])
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Writes the head into the connection's buffer (growing it if needed); returns its length.</summary>
    /// <param name="length">The body's length (0 and no body: the client sent "Content-Length: 0"); null for none or chunked.</param>
    /// <param name="chunked">The body's length is not known: it goes chunked.</param>
    public static int Write(UpstreamConnection connection, HttpContext context, UpstreamTarget target, string requestTarget, long? length, bool chunked)
    {
        var writer = new HeadWriter(connection);
        var request = context.Request;
        writer.Append(request.Method);
        writer.Append(" "u8);
        writer.Append(requestTarget);
        writer.Append(" HTTP/1.1\r\n"u8);
        writer.Append(target.HostLine);

        foreach (var (name, values) in request.Headers)
        {
            // Kestrel's HTTP/2 and HTTP/3 parsers let through names HTTP/1.1 cannot carry (CR, LF, ':', space): written
            // raw they would inject fields or a whole request. Only token names go, as HttpClient only takes those.
            if (!IsToken(name) || Skipped.Contains(name) || HasNewLine(values)) { continue; }
            writer.Append(name);
            writer.Append(": "u8);
            if (values.Count == 1)
            {
                writer.Append(values[0]!);
            }
            else
            {
                // One line per field, values joined as HttpClient joins them (a Cookie list with "; ").
                var separator = string.Equals(name, "Cookie", StringComparison.OrdinalIgnoreCase) ? "; "u8 : ", "u8;
                for (var i = 0; i < values.Count; i++)
                {
                    if (i > 0) { writer.Append(separator); }
                    writer.Append(values[i]!);
                }
            }
            writer.Append("\r\n"u8);
        }
        // The framing is the gateway's own, never a copy of the client's fields: the upstream must read exactly the body
        // that is sent (RequestBody never sends more than this length).
        if (chunked) { writer.Append("Transfer-Encoding: chunked\r\n"u8); }
        else if (length is { } n)
        {
            writer.Append("Content-Length: "u8);
            writer.Append(n);
            writer.Append("\r\n"u8);
        }

        if (context.Connection.RemoteIpAddress is { } client)
        {
            writer.Append("X-Forwarded-For: "u8);
            writer.Append(client);
            writer.Append("\r\n"u8);
        }
        if (request.PathBase.HasValue) { writer.Field("X-Forwarded-Prefix: "u8, request.PathBase.ToUriComponent()); }
        if (request.Host.HasValue) { writer.Field("X-Forwarded-Host: "u8, request.Host.ToUriComponent()); }
        writer.Field("X-Forwarded-Proto: "u8, request.Scheme);
        writer.Append("\r\n"u8);
        return writer.Length;
    }

    // RFC 9110 token characters.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static bool IsToken(string name) => name.Length > 0 && !name.AsSpan().ContainsAnyExcept(TokenChars);

    private static bool HasNewLine(StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && value.AsSpan().IndexOfAny('\r', '\n') >= 0) { return true; }
        }
        return false;
    }

    private ref struct HeadWriter(UpstreamConnection connection)
    {
        public int Length { get; private set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(connection.Buffer.AsSpan(Length));
            Length += bytes.Length;
        }

        public void Append(string text)
        {
            // ASCII only, as HttpClient sends header values by default (it refuses the request otherwise).
            Ensure(text.Length);
            if (Ascii.FromUtf16(text, connection.Buffer.AsSpan(Length), out var written) != OperationStatus.Done)
            {
                throw new UpstreamRequestException("Request headers must contain only ASCII characters.");
            }
            Length += written;
        }

        public void Append(System.Net.IPAddress address)
        {
            Ensure(64);
            address.TryFormat(connection.Buffer.AsSpan(Length), out int written);
            Length += written;
        }

        public void Append(long number)
        {
            Ensure(20);
            number.TryFormat(connection.Buffer.AsSpan(Length), out var written, default, System.Globalization.CultureInfo.InvariantCulture);
            Length += written;
        }

        public void Field(ReadOnlySpan<byte> name, string value)
        {
            Append(name);
            Append(value);
            Append("\r\n"u8);
        }

        private void Ensure(int more)
        {
            var buffer = connection.Buffer;
            if (Length + more <= buffer.Length) { return; }
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, Length + more));
            buffer.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            connection.Buffer = larger;
        }
    }
}

/// <summary>The request cannot be written upstream as it is (the gateway answers 502, as YARP would).</summary>
internal sealed class UpstreamRequestException(string message) : IOException(message);
