using System.Text;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>
/// What the hostile upstream answers, by the request's path: /hostile/CASE gets the broken answer of CASE, anything
/// else the ordinary one. Several answers carry a whole second response after their own end ("SMUGGLED"): a gateway
/// that frames the answer wrongly, or reuses the connection after it, would hand those bytes to the next request.
/// </summary>
public static class HostileAnswers
{
    /// <summary>What a wrongly framed answer leaves on the connection: a complete response no request asked for.</summary>
    public const string Smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED";

    private static readonly string Flood = string.Concat(Enumerable.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n", 500));

    /// <summary>Each case: its name (the path segment after /hostile/) and what it does.</summary>
    public static readonly IReadOnlyDictionary<string, string> Cases = new Dictionary<string, string>
    {
        ["cl-te"] = "Content-Length and Transfer-Encoding both, a response smuggled after the chunked end",
        ["te-cl"] = "Transfer-Encoding then Content-Length, a response smuggled after the chunked end",
        ["two-cl"] = "two different Content-Length fields",
        ["cl-list"] = "Content-Length: 0, 8",
        ["bad-chunk"] = "a chunk size that is not hex",
        ["bare-lf-head"] = "a response head with bare LF line ends",
        ["obs-fold"] = "an obs-folded response field",
        ["huge-head"] = "a 1 MiB response header field",
        ["many-fields"] = "10,000 response header fields (over 64 KiB)",
        ["early-close-length"] = "Content-Length: 1000, then 10 bytes and a close",
        ["early-close-chunked"] = "one chunk, then a close without the last chunk",
        ["1xx-flood"] = "1,000 interim answers (103 and 100) before the final one",
        ["1xx-trickle"] = "an interim answer every 250 ms for 20 s, no final answer",
        ["head-trickle"] = "a response head one byte every 250 ms for 20 s",
    };

    public static HostileReply For(string target)
    {
        var path = target.Split('?')[0];
        var name = path.StartsWith("/hostile/", StringComparison.Ordinal) ? path["/hostile/".Length..] : "";
        return name switch
        {
            "cl-te" => HostileReply.Wire("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Smuggled),
            "te-cl" => HostileReply.Wire("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + Smuggled),
            "two-cl" => HostileReply.Wire("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 48\r\n\r\n" + Smuggled),
            "cl-list" => HostileReply.Wire("HTTP/1.1 200 OK\r\nContent-Length: 0, 48\r\n\r\n" + Smuggled),
            "bad-chunk" => HostileReply.Wire("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n" + Smuggled),
            "bare-lf-head" => HostileReply.Wire("HTTP/1.1 200 OK\nContent-Length: 2\n\nok" + Smuggled),
            "obs-fold" => HostileReply.Wire("HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok" + Smuggled),
            "huge-head" => HostileReply.Wire("HTTP/1.1 200 OK\r\nX-Huge: " + new string('a', 1024 * 1024) + "\r\nContent-Length: 2\r\n\r\nok", close: true),
            "many-fields" => HostileReply.Wire("HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Range(0, 10_000).Select(i => $"X-F{i}: v\r\n")) + "Content-Length: 2\r\n\r\nok", close: true),
            "early-close-length" => HostileReply.Wire("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789", close: true),
            "early-close-chunked" => HostileReply.Wire("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n", close: true),
            "1xx-flood" => HostileReply.Wire(Flood + Final(target)),
            "1xx-trickle" => new HostileReply(Enumerable.Repeat(Encoding.Latin1.GetBytes("HTTP/1.1 100 Continue\r\n\r\n"), 80).ToList(), Close: true, PauseMs: 250),
            "head-trickle" => new HostileReply([Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nX-Slow: "), .. Enumerable.Repeat("a"u8.ToArray(), 80)], Close: true, PauseMs: 250),
            _ => HostileReply.Normal(target),
        };
    }

    private static string Final(string target)
    {
        var body = RecordingUpstream.AnswerTo("GET", target);
        return $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}";
    }
}
