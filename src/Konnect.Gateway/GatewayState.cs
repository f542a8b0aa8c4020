using Konnect.Model;

namespace Konnect.Gateway;

/// <summary>
/// The model the data plane serves right now, read by every stage that follows the applied configuration (TLS
/// certificates, JWKS warm-up, rate-limit counters, /config, /readyz, metrics). What routes requests by it (the route
/// table, Routing's <c>CurrentRouteTable</c>) is put in place by the publisher inside <see cref="Swap"/>, so by the time
/// a model is reported applied, requests are routed by it.
/// </summary>
public sealed class GatewayState
{
    private volatile GatewayModel? _applied;

    /// <summary>The last model that was fully applied, or null before the first one.</summary>
    public GatewayModel? AppliedModel => _applied;

    /// <summary>True once a first complete model serves traffic; /readyz reports it.</summary>
    public bool IsReady => _applied is not null;

    /// <summary>
    /// Raised after a different model starts serving, on the publishing thread: handlers must return quickly and
    /// leave any I/O to the background (a model's JWKS fetches must never hold up the publish). Not raised for a
    /// model that differs from the last only in endpoints (<see cref="RouteModelIdentity.SameExceptEndpoints"/>):
    /// handlers derive state from hosts, policies and TLS, and each walked every rule on every endpoint change.
    /// </summary>
    internal event Action<GatewayModel>? ModelApplied;

    /// <summary>
    /// Raised before a different model starts serving, on the publishing thread, for state that must be in place by
    /// the time the model serves and /readyz says so (the HTTPS listener's certificates). Not raised for an
    /// endpoint-only change, as <see cref="ModelApplied"/>.
    /// </summary>
    internal event Action<GatewayModel>? ModelApplying;

    /// <summary>
    /// Makes <paramref name="model"/> the applied one. <paramref name="serve"/> puts in place what serves it (the route
    /// table), between <see cref="ModelApplying"/> and the model becoming <see cref="AppliedModel"/>: the state never
    /// says ready, or applied, before requests are routed by the model.
    /// </summary>
    internal void Swap(GatewayModel model, Action serve)
    {
        var previous = _applied;
        var changed = previous is null || !RouteModelIdentity.SameExceptEndpoints(previous, model);
        if (changed) { ModelApplying?.Invoke(model); }
        serve();
        _applied = model;
        if (changed) { ModelApplied?.Invoke(model); }
    }
}
