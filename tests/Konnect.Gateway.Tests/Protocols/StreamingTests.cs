using System.Net;
using System.Text;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>
/// Long responses are streamed: the client reads the upstream's first part while the upstream is still waiting to
/// send the rest. A gateway that buffered the response would deliver nothing until the upstream finished, and the
/// first read would time out.
/// </summary>
public sealed class StreamingTests : IAsyncLifetime
{
    private StreamingBackend _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await StreamingBackend.StartAsync();
        _gateway = await TestGateway.StartAsync();
        await _gateway.PublishAsync(Route("stream", _backend.Url("/s")));
    }

    [Theory]
    [InlineData("/stream", "first\n", "second\n", false)]
    [InlineData("/stream", "first\n", "second\n", true)]
    [InlineData("/sse", "data: one\n\n", "data: two\n\n", false)]
    public async Task Stream_FirstPartArrivesBeforeUpstreamFinishes(string path, string first, string rest, bool http2)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_gateway.Traffic.BaseAddress!, path));
        if (http2)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();

        Assert.Equal(first, await ReadAsync(body, first.Length));
        _backend.ReleaseRest();
        Assert.Equal(rest, await ReadAsync(body, rest.Length));
        Assert.Equal(0, await body.ReadAsync(new byte[1]));
    }

    private static async Task<string> ReadAsync(Stream body, int length)
    {
        var buffer = new byte[length];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await body.ReadExactlyAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }
}
