using System.Net;
using System.Net.Http.Headers;
using Konnect.Model;
using Konnect.Gateway.Errors;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>The gateway's own errors: a gRPC status for gRPC requests, problem+json for everyone else.</summary>
public sealed class GrpcErrorTests : GatewayTest
{
    private static readonly HttpClient H2 = new(new SocketsHttpHandler { UseProxy = false });

    private async Task<HttpResponseMessage> SendAsync(string path, string? contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Gateway.Traffic.BaseAddress!, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return await H2.SendAsync(request);
    }

    [Fact]
    public async Task GrpcRequest_PolicyRefuses_TrailersOnlyPermissionDenied()
    {
        await Gateway.PublishAsync(Route("guarded", Backend.Url("/g")) with
        {
            Policies = new PoliciesModel
            {
                IpAccess = new IpAccessModel { Policy = "test/ip", Allow = ["10.0.0.0/8"], Deny = [], TrustedProxies = [], ForwardedHeader = "X-Forwarded-For" },
            },
        });

        using var response = await SendAsync("/pkg.Svc/Call", "application/grpc+proto");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc+proto", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("7", response.Headers.GetValues("grpc-status").Single());
        Assert.StartsWith("The client address may not call this route: The client address 127.0.0.1", response.Headers.GetValues("grpc-message").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, Backend.RequestCount);
    }

    [Fact]
    public async Task NonGrpcRequest_NoRoute_StaysProblemJson()
    {
        await Gateway.PublishAsync(Route("only", Backend.Url("/g"), Exact("/only")));

        using var response = await SendAsync("/pkg.Svc/Call", "application/json");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("grpc-status"));
        await TestGateway.ProblemAsync(response);
    }

    [Theory]
    [InlineData(400, 13)]
    [InlineData(401, 16)]
    [InlineData(403, 7)]
    [InlineData(404, 12)]
    [InlineData(429, 14)]
    [InlineData(502, 14)]
    [InlineData(503, 14)]
    [InlineData(504, 14)]
    [InlineData(500, 2)]
    public void StatusFor_HttpStatus_FollowsGrpcHttpMapping(int http, int grpc) =>
        Assert.Equal(grpc, GrpcStatusResponse.StatusFor(http));

    [Fact]
    public void PercentEncode_NonAsciiAndPercent_Escaped() =>
        Assert.Equal("caf%C3%A9 100%25 ok%0A", GrpcStatusResponse.PercentEncode("café 100% ok\n"));
}
