namespace Konnect.Gateway.Tests;

/// <summary>Destination ids are written in one place and read back by metrics, breakers and load balancing.</summary>
public sealed class DestinationIdTests
{
    [Theory]
    [InlineData(0, "http://10.0.0.1:8080")]
    [InlineData(3, "https://orders.default.svc:8443/base/path")]
    [InlineData(42, "http://[2001:db8::1]:80")]
    public void DestinationId_FormattedThenParsed_GivesBackBackendAndAddress(int backend, string address)
    {
        var id = new DestinationId(backend, address).ToString();

        Assert.True(DestinationId.TryParse(id, out var parsed));
        Assert.Equal(new DestinationId(backend, address), parsed);
        Assert.True(DestinationId.TryParseBackend(id, out var only));
        Assert.Equal(backend, only);
        Assert.StartsWith(DestinationId.BackendTag(backend) + "/", id, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("d1")]
    [InlineData("x/1")]
    [InlineData("b/http://a")]
    [InlineData("b-1/http://a")]
    [InlineData("b 1/http://a")]
    [InlineData("")]
    public void DestinationId_NotBuiltByKonnect_HasNoBackend(string id)
    {
        Assert.False(DestinationId.TryParse(id, out _));
        Assert.False(DestinationId.TryParseBackend(id, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(1234)]
    public void BackendTag_AnyIndex_ParsesBack(int backend)
    {
        Assert.True(DestinationId.TryParseBackendTag(DestinationId.BackendTag(backend), out var parsed));
        Assert.Equal(backend, parsed);
    }
}
