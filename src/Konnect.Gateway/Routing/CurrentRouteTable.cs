namespace Konnect.Gateway.Routing;

/// <summary>
/// The route table requests are matched against now: the applied model's, swapped in one reference write by the
/// publisher (inside <see cref="GatewayState.Swap"/>, so it is in place before the model is reported applied). A
/// request reads it once and keeps the match it got, whatever is published meanwhile.
/// </summary>
internal sealed class CurrentRouteTable
{
    private volatile RouteTable _table = RouteTable.Empty;

    public RouteTable Table => _table;

    public void Set(RouteTable table) => _table = table;
}
