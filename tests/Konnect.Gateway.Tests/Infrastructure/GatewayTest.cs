namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>A test class's own gateway and upstream, both real Kestrel on 127.0.0.1:0, started and stopped per test.</summary>
public abstract class GatewayTest : IAsyncLifetime
{
    internal TestBackend Backend { get; private set; } = null!;

    internal TestGateway Gateway { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Backend = await TestBackend.StartAsync();
        Gateway = await TestGateway.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
