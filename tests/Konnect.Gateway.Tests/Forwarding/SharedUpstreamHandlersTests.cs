using Konnect.Gateway.Tls;
using Konnect.Gateway.Forwarding;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Tests.Forwarding;

/// <summary>Which clusters share a pool, and the cap on how many shared pools there can be.</summary>
public sealed class SharedUpstreamHandlersTests
{
    private static ForwarderHttpClientContext Context(HttpClientConfig config, Dictionary<string, string>? metadata = null) =>
        new() { ClusterId = "test/a/0", NewConfig = config, NewMetadata = metadata };

    [Fact]
    public void GetOrCreate_EqualConfigs_OneHandler()
    {
        using var shared = new SharedUpstreamHandlers();

        var first = shared.GetOrCreate(Context(new HttpClientConfig { MaxConnectionsPerServer = 8 }), SharedUpstreamHandlers.NewHandler);
        var second = shared.GetOrCreate(Context(new HttpClientConfig { MaxConnectionsPerServer = 8 }), SharedUpstreamHandlers.NewHandler);
        var other = shared.GetOrCreate(Context(new HttpClientConfig { MaxConnectionsPerServer = 9 }), SharedUpstreamHandlers.NewHandler);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.NotSame(first, other);
    }

    [Fact]
    public void GetOrCreate_PastTheCap_NoSharedHandlerForNewConfigsOnly()
    {
        using var shared = new SharedUpstreamHandlers();
        for (var i = 1; i <= SharedUpstreamHandlers.MaxConfigurations; i++)
        {
            Assert.NotNull(shared.GetOrCreate(Context(new HttpClientConfig { MaxConnectionsPerServer = i }), SharedUpstreamHandlers.NewHandler));
        }

        Assert.Null(shared.GetOrCreate(Context(new HttpClientConfig { MaxConnectionsPerServer = 1000 }), SharedUpstreamHandlers.NewHandler));
        Assert.NotNull(shared.GetOrCreate(Context(new HttpClientConfig { MaxConnectionsPerServer = 1 }), SharedUpstreamHandlers.NewHandler));
    }

    [Fact]
    public void CanShare_PlainOrInsecure_Yes_ProxyCaOrClientCertificate_No()
    {
        Assert.True(SharedUpstreamHandlers.CanShare(Context(HttpClientConfig.Empty)));
        Assert.True(SharedUpstreamHandlers.CanShare(Context(new HttpClientConfig { DangerousAcceptAnyServerCertificate = true })));
        Assert.False(SharedUpstreamHandlers.CanShare(Context(new HttpClientConfig { WebProxy = new WebProxyConfig { Address = new Uri("http://proxy.test:3128") } })));
        Assert.False(SharedUpstreamHandlers.CanShare(Context(HttpClientConfig.Empty, new() { [UpstreamTlsClient.CaMetadataKey] = "pem" })));
        Assert.False(SharedUpstreamHandlers.CanShare(Context(HttpClientConfig.Empty, new() { [UpstreamTlsClient.ClientCertificateMetadataKey] = "crt" })));
    }
}
