using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Api.Json;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Translation;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>Turns the translator's clock-free statuses into what goes on the object, and compares the two.</summary>
internal static class StatusComputation
{
    /// <summary>
    /// The status to write: the translator's conditions with lastTransitionTime kept from the object's condition of
    /// the same type when its status is unchanged (a new message or generation is not a transition), else now.
    /// </summary>
    public static KonnectStatus Compute(ObjectStatus desired, KonnectStatus current, DateTimeOffset now) => new()
    {
        Conditions = WithTransitionTimes(desired.Conditions, current.Conditions, desired.Generation, now),
        Subscriptions = desired.Subscriptions is { } subscriptions ? [.. subscriptions] : null,
        Ancestors = desired.Ancestors?.Select(a => a with
        {
            Conditions = WithTransitionTimes(a.Conditions, current.Ancestors?.FirstOrDefault(c => c.AncestorRef == a.AncestorRef)?.Conditions, desired.Generation, now),
        }).ToList(),
    };

    /// <summary>
    /// Conditions as they go on an object (any kind: Konnect's, a Gateway's, a listener's, a route parent's):
    /// lastTransitionTime kept from the current condition of the same type while its status is unchanged, else now;
    /// observedGeneration defaulted to <paramref name="generation"/>.
    /// </summary>
    public static List<Condition> WithTransitionTimes(IEnumerable<Condition> desired, IReadOnlyList<Condition>? current, long? generation, DateTimeOffset now)
    {
        // metav1.Time has whole seconds on the wire: truncate, or what we remember would never equal what we read back.
        var nowSeconds = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return [.. desired.Select(c =>
        {
            var previous = current?.FirstOrDefault(p => p.Type == c.Type);
            var since = previous is { LastTransitionTime: { } t } && previous.Status == c.Status ? t : nowSeconds;
            return c with { LastTransitionTime = since, ObservedGeneration = c.ObservedGeneration ?? generation };
        })];
    }

    /// <summary>Equal down to every field: reason, message, observedGeneration, lastTransitionTime, order.</summary>
    public static bool Same(KonnectStatus a, KonnectStatus b) =>
        (a.Conditions ?? []).SequenceEqual(b.Conditions ?? [], ConditionComparer.Instance)
        && (a.Subscriptions ?? []).SequenceEqual(b.Subscriptions ?? [])
        && ObjectStatus.SameAncestors(a.Ancestors, b.Ancestors, ConditionComparer.Instance);

    /// <summary>
    /// {"status": {"conditions": [...], "subscriptions": [...], "ancestors": [...]}}: a merge patch replaces lists whole,
    /// which is what we want; subscriptions and ancestors the object should no longer carry are removed with an explicit null.
    /// </summary>
    public static JsonObject MergePatch(KonnectStatus status, KonnectStatus current)
    {
        var body = JsonSerializer.SerializeToNode(status, KonnectJsonContext.Default.KonnectStatus)!.AsObject();
        if (status.Subscriptions is null && current.Subscriptions is { Count: > 0 })
        {
            body["subscriptions"] = null;
        }
        if (status.Ancestors is null && current.Ancestors is { Count: > 0 })
        {
            body["ancestors"] = null;
        }
        return new JsonObject { ["status"] = body };
    }

    // Times compared as instants: the server may answer "Z" where we hold "+00:00".
    private sealed class ConditionComparer : IEqualityComparer<Condition>
    {
        public static readonly ConditionComparer Instance = new();

        public bool Equals(Condition? x, Condition? y) =>
            x is not null && y is not null && x.Type == y.Type && x.Status == y.Status && x.Reason == y.Reason
            && x.Message == y.Message && x.ObservedGeneration == y.ObservedGeneration
            && x.LastTransitionTime?.UtcTicks == y.LastTransitionTime?.UtcTicks;

        public int GetHashCode(Condition obj) => HashCode.Combine(obj.Type, obj.Status);
    }
}
