using System.Text;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// Response header names upstreams commonly send, so parsing an answer hands Kestrel the same string instances every
/// time (and a connection can reuse the value string when the value repeats, as Server and Content-Type do).
/// </summary>
internal static class ResponseHeaderNames
{
    private static readonly string[] Names =
    [
        "Date", "Server", "Content-Type", "Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding", "Cache-Control",
        "ETag", "Last-Modified", "Expires", "Vary", "Set-Cookie", "Location", "Content-Encoding", "Accept-Ranges", "Age",
        "Pragma", "Access-Control-Allow-Origin", "Strict-Transport-Security", "X-Content-Type-Options", "Content-Language",
        "Content-Disposition", "WWW-Authenticate", "Retry-After", "Trailer", "Upgrade", "Proxy-Connection", "Alt-Svc",
        "X-Request-ID", "Grpc-Status", "Grpc-Message", "Content-Range", "X-Frame-Options",
    ];

    private static readonly byte[][] Bytes = Names.Select(Encoding.ASCII.GetBytes).ToArray();

    // Indices by name length: a field line compares against the one or two names of its length only.
    private static readonly int[][] ByLength = Enumerable.Range(0, Names.Max(n => n.Length) + 1)
        .Select(l => Enumerable.Range(0, Names.Length).Where(i => Names[i].Length == l).ToArray()).ToArray();

    public static int Count => Names.Length;

    public const int ContentLength = 3;
    public const int Connection = 4;
    public const int TransferEncoding = 6;

    /// <summary>The index of <paramref name="name"/> (compared ignoring case), or -1.</summary>
    public static int IndexOf(ReadOnlySpan<byte> name)
    {
        if (name.Length >= ByLength.Length) { return -1; }
        foreach (var i in ByLength[name.Length])
        {
            if (Ascii.EqualsIgnoreCase(Bytes[i], name)) { return i; }
        }
        return -1;
    }

    public static string Name(int index) => Names[index];
}
