using Konnect.Gateway.Resilience;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Tests.Resilience;

/// <summary>How a retry's upstream request, built by YARP for one destination, is pointed at another.</summary>
public sealed class RetryTargetsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:1/x?q=1", "http://127.0.0.1:2/x?q=1")]
    [InlineData("http://127.0.0.1:1/", "http://127.0.0.1:2", "http://127.0.0.1:1/x", "http://127.0.0.1:2/x")]
    [InlineData("http://127.0.0.1:1", "http://127.0.0.1:2/", "http://127.0.0.1:1/x", "http://127.0.0.1:2/x")]
    [InlineData("http://127.0.0.1:1/base/", "http://10.0.0.2:8080/other", "http://127.0.0.1:1/base/a%20b/c?d=%2F", "http://10.0.0.2:8080/other/a%20b/c?d=%2F")]
    [InlineData("http://127.0.0.1:1/", "http://127.0.0.1:2/", "http://127.0.0.1:1/", "http://127.0.0.1:2/")]
    public void Retarget_OtherAddress_SamePathAndQuery(string from, string to, string uri, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri));

        Assert.True(RetryTargets.Retarget(request, Destination(from), Destination(to)));

        Assert.Equal(expected, request.RequestUri!.OriginalString);
    }

    [Fact]
    public void Retarget_UriNotBuiltFromTheFailedDestination_LeftAlone()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://elsewhere:1/x"));

        Assert.False(RetryTargets.Retarget(request, Destination("http://127.0.0.1:1"), Destination("http://127.0.0.1:2")));

        Assert.Equal("http://elsewhere:1/x", request.RequestUri!.OriginalString);
    }

    [Fact]
    public void Retarget_DestinationHostSent_TheOtherDestinationsHostIsSent()
    {
        // Upstream TLS: YARP sends the destination's Host (the backend's SNI name); the retry must name its own.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("https://127.0.0.1:1/x"));
        request.Headers.Host = "a.internal";

        Assert.True(RetryTargets.Retarget(request, Destination("https://127.0.0.1:1", "a.internal"), Destination("https://127.0.0.1:2", "b.internal")));

        Assert.Equal("b.internal", request.Headers.Host);
    }

    [Fact]
    public void Retarget_HostSetOtherwise_Kept()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://127.0.0.1:1/x"));
        request.Headers.Host = "api.example.com";

        Assert.True(RetryTargets.Retarget(request, Destination("http://127.0.0.1:1"), Destination("http://127.0.0.1:2", "b.internal")));

        Assert.Equal("api.example.com", request.Headers.Host);
    }

    private static DestinationState Destination(string address, string? host = null) =>
        new($"b0/{address}", new DestinationModel(new DestinationConfig { Address = address, Host = host }));
}
