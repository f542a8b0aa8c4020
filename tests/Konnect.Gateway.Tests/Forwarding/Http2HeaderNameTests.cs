using System.Net.Sockets;
using System.Text;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Forwarding;

/// <summary>
/// HTTP/2 lets a field name carry bytes HTTP/1.1 cannot (Kestrel's HTTP/2 parser lets CR and LF through): written raw
/// into an HTTP/1.1 request they would inject fields, or a whole request. The client here speaks HTTP/2 by prior
/// knowledge with a hand-encoded HEADERS frame, since no HTTP client library sends such a name.
/// </summary>
public sealed class Http2HeaderNameTests
{
    [Fact]
    public async Task FieldNameWithCrLf_OverHttp2_IsDropped_NothingInjectedUpstream()
    {
        await using var upstream = RawUpstream.Start(_ => RawReply.Ok());
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Route("a", upstream.Url(), Prefix("/a")));

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.Traffic.BaseAddress!.Host, gateway.Traffic.BaseAddress.Port);
        var block = new List<byte> { 0x82, 0x86 }; // :method GET, :scheme http (static table)
        Literal(block, 4, null, "/a/x"); // :path
        Literal(block, 1, null, "t"); // :authority
        Literal(block, 0, "x-a\r\nx-injected: yes\r\nx-b", "1");
        Literal(block, 0, "x-plain", "kept");
        var frames = new List<byte>(Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        frames.AddRange(Frame(type: 4, flags: 0, stream: 0, [])); // SETTINGS
        frames.AddRange(Frame(type: 1, flags: 0x5, stream: 1, [.. block])); // HEADERS, END_STREAM | END_HEADERS
        await socket.SendAsync(frames.ToArray(), SocketFlags.None);

        for (var i = 0; i < 200 && upstream.Requests.Count == 0; i++) { await Task.Delay(25); }

        var request = Assert.Single(upstream.Requests);
        Assert.Equal("kept", request.Field("x-plain"));
        Assert.Null(request.Field("x-injected"));
        Assert.DoesNotContain("x-injected", request.Head, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>HPACK literal field without indexing (RFC 7541 6.2.2), name by static index or as a string, no Huffman.</summary>
    private static void Literal(List<byte> block, int nameIndex, string? name, string value)
    {
        block.Add((byte)nameIndex);
        if (name is not null) { String(block, name); }
        String(block, value);
    }

    private static void String(List<byte> block, string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        block.Add((byte)bytes.Length); // < 127: one byte, H = 0
        block.AddRange(bytes);
    }

    private static byte[] Frame(byte type, byte flags, int stream, byte[] payload) =>
    [
        (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, flags,
        (byte)(stream >> 24), (byte)(stream >> 16), (byte)(stream >> 8), (byte)stream, .. payload,
    ];
}
