using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Api.GatewayApi;
using Konnect.Api.Json;
using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>
/// What <see cref="GatewayApiStatusWriter"/> puts on a GatewayClass, Gateway or HTTPRoute, computed from the
/// translator's clock-free status and what the object carries now: pure, so each rule is tested without a server.
/// </summary>
internal static class GatewayApiStatus
{
    private static readonly KonnectJsonContext Json = KonnectJsonContext.Default;

    /// <summary>What one object carries on the server, as last read or written.</summary>
    internal sealed record Remote(object? Status, string? Uid, string? ResourceVersion);

    /// <summary>
    /// The merge patch to send, or null when the object already carries exactly this. <paramref name="addresses"/>:
    /// a Gateway's status.addresses from --publish-address or --publish-service; null leaves what it carries alone.
    /// </summary>
    public static (object Status, JsonObject Patch)? Plan(ObjectStatus desired, Remote current, List<GatewayAddress>? addresses, DateTimeOffset now)
    {
        switch (desired.Object.Kind)
        {
            case GatewayClass.KindName:
            {
                var before = current.Status as GatewayConditionsStatus ?? new GatewayConditionsStatus();
                var status = new GatewayConditionsStatus { Conditions = StatusComputation.WithTransitionTimes(desired.Conditions, before.Conditions, desired.Generation, now) };
                return Same(status, before, Json.GatewayConditionsStatus) ? null
                    : (status, Wrap(JsonSerializer.SerializeToNode(status, Json.GatewayConditionsStatus)!.AsObject()));
            }
            case Gateway.KindName:
            {
                var before = current.Status as GatewayStatus ?? new GatewayStatus();
                var status = new GatewayStatus
                {
                    Addresses = addresses is null ? before.Addresses : addresses.Count == 0 ? null : addresses,
                    Conditions = StatusComputation.WithTransitionTimes(desired.Conditions, before.Conditions, desired.Generation, now),
                    Listeners = [.. (desired.Listeners ?? []).Select(l => new ListenerStatus
                    {
                        Name = l.Name,
                        SupportedKinds = [.. l.SupportedKinds],
                        AttachedRoutes = l.AttachedRoutes,
                        Conditions = StatusComputation.WithTransitionTimes(l.Conditions, before.Listeners?.FirstOrDefault(b => b.Name == l.Name)?.Conditions, desired.Generation, now),
                    })],
                };
                if (Same(status, before, Json.GatewayStatus)) { return null; }
                var body = JsonSerializer.SerializeToNode(status, Json.GatewayStatus)!.AsObject();
                // Addresses are Konnect's only when it publishes some; otherwise whatever is there stays untouched.
                if (addresses is null) { body.Remove("addresses"); }
                else if (addresses.Count == 0) { body["addresses"] = null; }
                return (status, Wrap(body));
            }
            case HttpRoute.KindName or GrpcRoute.KindName:
            {
                var before = current.Status as RouteStatus ?? new RouteStatus();
                var status = new RouteStatus { Parents = MergeParents(desired, before.Parents ?? [], now) };
                if (Same(status, before with { Parents = [.. before.Parents ?? []] }, Json.RouteStatus)) { return null; }
                // A merge patch replaces status.parents whole, other controllers' entries included: the list sent is the
                // one read, merged, so the patch carries the resourceVersion it was read at as a precondition. Had
                // anyone written the route since, the server answers 409 and the writer reads it again.
                var patch = Wrap(JsonSerializer.SerializeToNode(status, Json.RouteStatus)!.AsObject());
                patch["metadata"] = new JsonObject { ["resourceVersion"] = current.ResourceVersion };
                return (status, patch);
            }
            default:
                throw new InvalidOperationException($"{desired.Object.Kind} is not a Gateway API kind.");
        }
    }

    /// <summary>
    /// status.parents: other controllers' entries kept as they are and where they are; Konnect's replaced by the ones
    /// reported (lastTransitionTime kept per parent and type), in place when the parent was there before, else
    /// appended; Konnect's entries for parents no longer reported dropped.
    /// </summary>
    public static List<RouteParentStatus> MergeParents(ObjectStatus desired, IReadOnlyList<RouteParentStatus> current, DateTimeOffset now)
    {
        var ns = desired.Object.Namespace;
        var ours = (desired.Parents ?? []).Select(p => p with
        {
            Conditions = StatusComputation.WithTransitionTimes(p.Conditions,
                current.FirstOrDefault(c => c.ControllerName == GatewayApiGroup.ControllerName && SameParent(c.ParentRef, p.ParentRef, ns))?.Conditions,
                desired.Generation, now),
        }).ToList();
        var placed = new HashSet<RouteParentStatus>(ReferenceEqualityComparer.Instance);
        var merged = new List<RouteParentStatus>();
        foreach (var entry in current)
        {
            if (entry.ControllerName != GatewayApiGroup.ControllerName) { merged.Add(entry); continue; }
            if (ours.FirstOrDefault(o => !placed.Contains(o) && SameParent(o.ParentRef, entry.ParentRef, ns)) is { } replacement)
            {
                merged.Add(replacement);
                placed.Add(replacement);
            }
        }
        merged.AddRange(ours.Where(o => !placed.Contains(o)));
        return merged;
    }

    /// <summary>Two parentRefs name the same parent once their defaults are filled in (group, kind Gateway, the route's namespace).</summary>
    public static bool SameParent(ParentReference a, ParentReference b, string routeNamespace) =>
        (a.Group ?? GatewayApiGroup.Group) == (b.Group ?? GatewayApiGroup.Group) && (a.Kind ?? Gateway.KindName) == (b.Kind ?? Gateway.KindName)
        && (a.Namespace ?? routeNamespace) == (b.Namespace ?? routeNamespace) && a.Name == b.Name
        && (a.SectionName ?? "") == (b.SectionName ?? "") && a.Port == b.Port;

    /// <summary>What a status refuses: the object's Accepted=False, each listener's, each of Konnect's route parents'.</summary>
    public static HashSet<Refusal> Refusals(object? status)
    {
        var refusals = new HashSet<Refusal>();
        void Add(IEnumerable<Condition>? conditions, string prefix)
        {
            if (conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Accepted && c.Status == "False") is { } c)
            {
                refusals.Add(new Refusal(c.Reason, prefix + c.Message));
            }
        }
        switch (status)
        {
            case GatewayConditionsStatus s:
                Add(s.Conditions, "");
                break;
            case GatewayStatus s:
                Add(s.Conditions, "");
                foreach (var listener in s.Listeners ?? []) { Add(listener.Conditions, $"listener {listener.Name}: "); }
                break;
            case RouteStatus s:
                foreach (var parent in (s.Parents ?? []).Where(p => p.ControllerName == GatewayApiGroup.ControllerName))
                {
                    var r = parent.ParentRef;
                    Add(parent.Conditions, $"parent {(r.Namespace is { } n ? n + "/" : "")}{r.Name}{(r.SectionName is { } section ? "/" + section : "")}: ");
                }
                break;
        }
        return refusals;
    }

    /// <summary>--publish-address's or the Service's addresses as a Gateway carries them: an IP is IPAddress, else Hostname.</summary>
    public static List<GatewayAddress> Addresses(IEnumerable<IngressLoadBalancerIngress> addresses) =>
        [.. addresses.Select(a => a.Ip is { Length: > 0 } ip ? new GatewayAddress { Type = "IPAddress", Value = ip } : new GatewayAddress { Type = "Hostname", Value = a.Hostname ?? "" })];

    private static JsonObject Wrap(JsonObject status) => new() { ["status"] = status };

    // Serialised, so lists compare by content (records compare them by reference) and times as the wire has them.
    private static bool Same<T>(T a, T b, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.SerializeToUtf8Bytes(a, type).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(b, type));
}
