using System.Text.Json.Nodes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>What one object carries on the server: its status, and its uid for the Events that name it.</summary>
internal sealed record RemoteObject(KonnectStatus Status, string? Uid);

public sealed partial class StatusWriter
{
    private static bool IsKonnectKind(string kind) =>
        kind is KonnectRoute.KindName or KonnectPolicy.KindName or KonnectConsumer.KindName;

    private async Task<RemoteObject> GetAsync(ObjectRef r, CancellationToken cancellationToken) => r.Kind switch
    {
        KonnectRoute.KindName => From(await _client.GetAsync(ResourceTypes.KonnectRoutes, r.Namespace, r.Name, cancellationToken).ConfigureAwait(false)),
        KonnectPolicy.KindName => From(await _client.GetAsync(ResourceTypes.KonnectPolicies, r.Namespace, r.Name, cancellationToken).ConfigureAwait(false)),
        KonnectConsumer.KindName => From(await _client.GetAsync(ResourceTypes.KonnectConsumers, r.Namespace, r.Name, cancellationToken).ConfigureAwait(false)),
        _ => throw new InvalidOperationException($"{r.Kind} has no Konnect status."),
    };

    private async Task<RemoteObject> PatchAsync(ObjectRef r, JsonObject patch, CancellationToken cancellationToken) => r.Kind switch
    {
        KonnectRoute.KindName => From(await _client.PatchStatusAsync(ResourceTypes.KonnectRoutes, r.Namespace, r.Name, patch, cancellationToken).ConfigureAwait(false)),
        KonnectPolicy.KindName => From(await _client.PatchStatusAsync(ResourceTypes.KonnectPolicies, r.Namespace, r.Name, patch, cancellationToken).ConfigureAwait(false)),
        KonnectConsumer.KindName => From(await _client.PatchStatusAsync(ResourceTypes.KonnectConsumers, r.Namespace, r.Name, patch, cancellationToken).ConfigureAwait(false)),
        _ => throw new InvalidOperationException($"{r.Kind} has no Konnect status."),
    };

    private static RemoteObject From(KonnectRoute o) => new(o.Status ?? new KonnectStatus(), o.Metadata.Uid);
    private static RemoteObject From(KonnectPolicy o) => new(o.Status ?? new KonnectStatus(), o.Metadata.Uid);
    private static RemoteObject From(KonnectConsumer o) => new(o.Status ?? new KonnectStatus(), o.Metadata.Uid);

    /// <summary>
    /// One Warning Event when a write turns Accepted to False with a reason and message the object did not already
    /// carry: `kubectl describe` then shows why, and a failover (where the status is already there) repeats nothing.
    /// </summary>
    private async Task RecordRejectionAsync(ObjectRef r, string? uid, KonnectStatus written, KonnectStatus before, CancellationToken cancellationToken)
    {
        var accepted = written.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Accepted);
        if (accepted is null || accepted.Status != "False")
        {
            _eventsSent.Remove(r);
            return;
        }
        var previous = before.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Accepted);
        var key = (accepted.Reason, accepted.Message);
        if ((previous is { Status: "False" } && previous.Reason == accepted.Reason && previous.Message == accepted.Message)
            || (_eventsSent.TryGetValue(r, out var sent) && sent == key))
        {
            return;
        }
        var ev = WarningEvents.Create(r, KonnectGroup.ApiVersion, uid, accepted.Reason, accepted.Message, _options, _time.GetUtcNow());
        try
        {
            await _client.CreateEventAsync(ev, cancellationToken).ConfigureAwait(false);
            _eventsSent[r] = key;
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException)
        {
            // Events are best effort: the status already says why.
            LogEventFailed(_logger, r.ToString(), e.Message);
        }
    }
}
