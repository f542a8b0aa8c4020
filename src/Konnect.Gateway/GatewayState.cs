using Konnect.Model;
using Konnect.Gateway.Routing;

namespace Konnect.Gateway;

/// <summary>
/// What the data plane serves right now. The model and its route table travel in one object behind one volatile
/// reference, so a request (or /config) never sees the table of one model with another model.
/// </summary>
public sealed class GatewayState
{
    private volatile AppliedConfig? _applied;

    /// <summary>The last model that was fully applied, or null before the first one.</summary>
    public GatewayModel? AppliedModel => _applied?.Model;

    /// <summary>True once a first complete model serves traffic; /readyz reports it.</summary>
    public bool IsReady => _applied is not null;

    internal RouteTable Table => _applied?.Table ?? RouteTable.Empty;

    /// <summary>
    /// Raised after a different model starts serving, on the publishing thread: handlers must return quickly and
    /// leave any I/O to the background (a model's JWKS fetches must never hold up the publish).
    /// </summary>
    internal event Action<GatewayModel>? ModelApplied;

    /// <summary>
    /// Raised before a different model starts serving, on the publishing thread, for state that must be in place by
    /// the time the model serves and /readyz says so (the HTTPS listener's certificates).
    /// </summary>
    internal event Action<GatewayModel>? ModelApplying;

    internal void Swap(GatewayModel model, RouteTable table)
    {
        var previous = _applied?.Model;
        if (!ReferenceEquals(previous, model)) { ModelApplying?.Invoke(model); }
        _applied = new AppliedConfig(model, table);
        if (!ReferenceEquals(previous, model)) { ModelApplied?.Invoke(model); }
    }

    private sealed record AppliedConfig(GatewayModel Model, RouteTable Table);
}
