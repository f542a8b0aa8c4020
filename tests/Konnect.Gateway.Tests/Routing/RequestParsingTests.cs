using Konnect.Gateway.Observability.RequestIds;
using Konnect.Gateway.Routing;

namespace Konnect.Gateway.Tests.Routing;

public sealed class RequestParsingTests
{
    [Theory]
    [InlineData("api.example.com", "api.example.com")]
    [InlineData("api.example.com:8080", "api.example.com")]
    [InlineData("api.example.com.", "api.example.com")]
    [InlineData("[::1]:8080", "[::1]")]
    [InlineData("10.0.0.1:80", "10.0.0.1")]
    [InlineData("", "")]
    public void HostName_HostHeader_StripsPortAndTrailingDot(string header, string expected)
    {
        Assert.Equal(expected, RouteTable.HostName(header).ToString());
    }

    [Theory]
    [InlineData("?a=1&b=2", "b", true, "2")]
    [InlineData("?a=1&a=2", "a", true, "1")]
    [InlineData("?A=1", "a", false, "")]
    [InlineData("?flag", "flag", true, "")]
    [InlineData("?na%6De=x+y%21", "name", true, "x y!")]
    [InlineData("", "a", false, "")]
    public void TryGetFirst_QueryString_FindsFirstExactName(string query, string name, bool found, string value)
    {
        Assert.Equal(found, QueryString.TryGetFirst(query, name, out var actual));
        Assert.Equal(value, actual.ToString());
    }

    [Theory]
    [InlineData("abc-123", true)]
    [InlineData("trace.id:part_2", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("new\nline", false)]
    [InlineData("ünïcode", false)]
    public void IsAcceptable_IncomingRequestId_AllowsPlainShortIds(string id, bool expected)
    {
        Assert.Equal(expected, RequestIdMiddleware.IsAcceptable(id));
    }

    [Fact]
    public void IsAcceptable_LongRequestId_RejectedPast128Chars()
    {
        Assert.True(RequestIdMiddleware.IsAcceptable(new string('a', 128)));
        Assert.False(RequestIdMiddleware.IsAcceptable(new string('a', 129)));
    }
}
