using Konnect.Model;

namespace Konnect.Controller.Tests;

/// <summary>A publisher that applies every model and counts how many it was given.</summary>
internal sealed class CountingPublisher : IConfigPublisher
{
    private int _publishes;

    public int Publishes => Volatile.Read(ref _publishes);

    public ValueTask<PublishResult> PublishAsync(GatewayModel model, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _publishes);
        return ValueTask.FromResult(new PublishResult(true, new Dictionary<string, string>()));
    }
}
