using Konnect.Controller.Model;
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

    internal void Swap(GatewayModel model, RouteTable table) => _applied = new AppliedConfig(model, table);

    private sealed record AppliedConfig(GatewayModel Model, RouteTable Table);
}
