namespace Konnect.Model;

/// <summary>
/// The seam between the control plane and the data plane. Today the gateway in the same process implements it;
/// a split deployment (one controller, many proxies) would implement it over the network.
/// </summary>
public interface IConfigPublisher
{
    /// <summary>Applies <paramref name="model"/> and completes once it serves traffic. Returns routes the data plane
    /// could not program (route id → reason); an unchanged model is not re-applied.</summary>
    ValueTask<PublishResult> PublishAsync(GatewayModel model, CancellationToken cancellationToken);
}

public sealed record PublishResult(bool Applied, IReadOnlyDictionary<string, string> Rejected)
{
    public static readonly PublishResult Unchanged = new(false, new Dictionary<string, string>());
}
