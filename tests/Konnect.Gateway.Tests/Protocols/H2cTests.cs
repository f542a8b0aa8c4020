using System.Net;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>The plain traffic port speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on the same socket.</summary>
public sealed class H2cTests : GatewayTest
{
    [Fact]
    public async Task H2c_HttpClientPriorKnowledge_GetsHttp2AndTheUpstreamAnswer()
    {
        await Gateway.PublishAsync(Route("h2", Backend.Url("/b")));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Gateway.Traffic.BaseAddress!, "/hello"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/b/hello", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task H2c_CurlPriorKnowledgeAndHttp11_BothServedOnThePlainPort()
    {
        await Gateway.PublishAsync(Route("h2", Backend.Url("/b")));
        var url = new Uri(Gateway.Traffic.BaseAddress!, "/curl").ToString();

        var h2 = await Cli.RunAsync("curl", "-sS", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", url);
        var h1 = await Cli.RunAsync("curl", "-sS", "--http1.1", "-w", "\n%{http_version} %{http_code}", url);

        Assert.True(h2.ExitCode == 0, h2.Stderr);
        Assert.Equal("/b/curl\n2 200", h2.Stdout);
        Assert.True(h1.ExitCode == 0, h1.Stderr);
        Assert.Equal("/b/curl\n1.1 200", h1.Stdout);
    }

    [Theory]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0", true)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", true)]
    [InlineData("PRI * HTTP/2", null)]
    [InlineData("", null)]
    [InlineData("POST /x HTTP/1.1\r\n", false)]
    [InlineData("PUT", false)]
    [InlineData("PRI * HTTP/1.1\r\n", false)]
    public void Classify_FirstBytes_Http2OnlyForTheWholePreface(string firstBytes, bool? expected) =>
        Assert.Equal(expected, Konnect.Gateway.Hosting.H2cPrefaceSniffer.Classify(new System.Buffers.ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(firstBytes))));

    [Fact]
    public async Task H2c_NoRoute_ProblemJsonOverHttp2()
    {
        await Gateway.PublishAsync(Route("h2", Backend.Url("/b"), Exact("/only")));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Gateway.Traffic.BaseAddress!, "/elsewhere"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response);
        Assert.EndsWith("/no-route", problem.GetProperty("type").GetString());
    }
}
