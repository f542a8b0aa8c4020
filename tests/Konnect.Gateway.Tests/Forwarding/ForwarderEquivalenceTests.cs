using System.Net;
using System.Text;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Forwarding;

/// <summary>
/// Konnect's HTTP/1.1 forwarder against YARP's, on the same requests and the same upstream answers: the upstream must
/// receive the same request line, fields and body, and the client the same status, fields and body, from either.
/// </summary>
public sealed class ForwarderEquivalenceTests
{
    public static TheoryData<string> Requests => new()
    {
        "GET /p/a%20b/c?x=1&y=%2F HTTP/1.1\r\nHost: api.test\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nTE: trailers\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Host: evil\r\nForwarded: for=1.1.1.1\r\nProxy-Authorization: secret\r\nKeep-Alive: 5\r\nUpgrade-Insecure-Requests: 1\r\n\r\n",
        "GET /p/%41/caf%C3%A9/x%5By%5D HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n",
        "GET /p/q?q=%7Ba%7D&s=%41&t=a'b&u=%2f HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n",
        "GET /p/q?r=%zz&v=a%2 HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n",
        "GET /p HTTP/1.1\r\nHost: api.test:8080\r\nConnection: close\r\nAccept: a\r\nAccept: b\r\nCookie: c=1\r\nCookie: d=2\r\n\r\n",
        "GET /p/x?only HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\nX-Empty:\r\nUser-Agent: raw test\r\n\r\n",
        "GET /rw/x/y?z=1 HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n",
        "GET /rw HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n",
        "POST /p/upload HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /p/chunked HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        "PUT /p/empty HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        "HEAD /p/head HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n",
        "DELETE /p/item/7 HTTP/1.0\r\nHost: api.test\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Request_UpstreamReceivesTheSameFromEitherForwarder(string wire)
    {
        await using var pair = await ForwarderPair.StartAsync(_ => RawReply.Ok(),
            u => [Route("p", u.Url("/base"), Prefix("/p")), Route("rw", u.Url(), Prefix("/rw")) with { RewritePathPrefix = "/v2/" }]);

        var fromKonnect = await ForwarderPair.RawAsync(pair.Konnect, wire);
        var fromYarp = await ForwarderPair.RawAsync(pair.Yarp, wire);

        Assert.StartsWith("HTTP/1.1 200", fromKonnect);
        Assert.StartsWith("HTTP/1.1 200", fromYarp);
        var requests = pair.Upstream.Requests;
        Assert.Equal(2, requests.Count);
        var (konnect, yarp) = (requests[0], requests[1]);
        Assert.Equal(yarp.RequestLine, konnect.RequestLine);
        Assert.Equal(Comparable(yarp), Comparable(konnect));
        Assert.Equal(yarp.Body, konnect.Body);
        // Different connections: the two gateways do not share a pool.
        Assert.NotEqual(konnect.Connection, yarp.Connection);
    }

    public static TheoryData<string, bool> Replies => new()
    {
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n", false },
        { "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the upstream closes", true },
        { "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false },
        { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", false },
        { "HTTP/1.1 404 Nope Not Here\r\nContent-Length: 4\r\n\r\nnope", false },
        { "HTTP/1.1 201 Created\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nConnection: keep-alive, X-Foo\r\nKeep-Alive: timeout=5\r\nServer: up\r\nAlt-Svc: h3=\":443\"\r\nX-Request-ID: from-upstream\r\nProxy-Authenticate: Basic\r\nCache-Control: no-cache\r\nContent-Length: 3\r\n\r\nabc", false },
        { "HTTP/1.1 204 No Content\r\nX-B: 1\r\n\r\n", false },
        { "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", false },
        { "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", false },
        { "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", false },
        { "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nno", false },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public async Task Response_ClientReceivesTheSameFromEitherForwarder(string reply, bool close)
    {
        await using var pair = await ForwarderPair.StartAsync(_ => RawReply.Text(reply, close), u => [Route("p", u.Url(), Prefix("/p"))]);

        var fromKonnect = await SeenAsync(pair.Konnect);
        var fromYarp = await SeenAsync(pair.Yarp);

        Assert.Equal(fromYarp, fromKonnect);
    }

    public static TheoryData<string> BrokenReplies => new()
    {
        "HTTPX 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
        "",
    };

    [Theory]
    [MemberData(nameof(BrokenReplies))]
    public async Task BrokenAnswer_BothForwarders_Answer502Problem(string reply)
    {
        await using var pair = await ForwarderPair.StartAsync(_ => RawReply.Text(reply, close: true), u => [Route("p", u.Url(), Prefix("/p"))]);

        foreach (var gateway in new[] { pair.Konnect, pair.Yarp })
        {
            using var response = await gateway.GetAsync("/p/x");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            // Either forwarder: the problem document's request id is also the answer's x-request-id (YARP's clears the
            // answer's fields when a forward fails; the problem writer sets the id again).
            var problem = await TestGateway.ProblemAsync(response);
            Assert.Equal("https://konnect.dev/problems/upstream-unreachable", problem.GetProperty("type").GetString());
        }
    }

    /// <summary>What a client can observe of an answer: status, reason, fields (but the date), trailers and body.</summary>
    private static async Task<string> SeenAsync(TestGateway gateway)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/p/x");
        using var response = await gateway.Traffic.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(response.Headers.GetValues("x-request-id").Single(), response.Headers.GetValues("x-request-id").Last());
        var fields = response.Headers.Concat(response.Content.Headers)
            .Where(h => !h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("x-request-id", StringComparison.OrdinalIgnoreCase))
            .Select(h => $"{h.Key.ToLowerInvariant()}: {string.Join(" | ", h.Value)}")
            .Order(StringComparer.Ordinal);
        var trailers = response.TrailingHeaders.Select(h => $"{h.Key}: {string.Join(" | ", h.Value)}");
        return $"{(int)response.StatusCode} {response.ReasonPhrase}\n{string.Join("\n", fields)}\ntrailers: {string.Join(";", trailers)}\n{body}";
    }

    private static IEnumerable<string> Comparable(RawRequest request) =>
        request.Fields.Where(f => !f.StartsWith("x-request-id:", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
}
