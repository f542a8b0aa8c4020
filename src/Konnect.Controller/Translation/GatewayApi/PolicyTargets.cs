using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// Gateway API policy attachment: which KonnectPolicies name which Gateway, HTTPRoute or GRPCRoute in their targetRefs
/// (always in the policy's own namespace), in policy order. One index per policy collection; the same empty index for
/// every collection where no policy has targetRefs, so routes' cached translations survive policy edits then.
/// </summary>
internal sealed class PolicyTargets
{
    public static readonly PolicyTargets None = new([]);
    private static readonly ConditionalWeakTable<object, PolicyTargets> Indexes = [];

    private readonly Dictionary<ObjectRef, List<NamespacedName>> _byTarget;

    private PolicyTargets(Dictionary<ObjectRef, List<NamespacedName>> byTarget) => _byTarget = byTarget;

    public static PolicyTargets Of(ImmutableSortedDictionary<ObjectRef, KonnectPolicy> policies) => Indexes.GetValue(policies, static p =>
    {
        var byTarget = new Dictionary<ObjectRef, List<NamespacedName>>();
        foreach (var (key, policy) in (ImmutableSortedDictionary<ObjectRef, KonnectPolicy>)p)
        {
            foreach (var target in policy.Spec.TargetRefs ?? [])
            {
                if (!IsValid(target)) { continue; }
                var targetKey = new ObjectRef(target.Kind, key.Namespace, target.Name);
                if (!byTarget.TryGetValue(targetKey, out var list)) { byTarget[targetKey] = list = []; }
                list.Add(new NamespacedName(key.Namespace, key.Name));
            }
        }
        return byTarget.Count == 0 ? None : new PolicyTargets(byTarget);
    });

    public static bool IsValid(PolicyTargetReference target) =>
        target.Group == GatewayApiGroup.Group && target.Kind is Gateway.KindName or HttpRoute.KindName or GrpcRoute.KindName;

    /// <summary>The policies a route inherits: its Gateways' (in the order given), then its own.</summary>
    public List<NamespacedName>? For(ObjectRef route, IEnumerable<ObjectRef> gateways)
    {
        if (_byTarget.Count == 0) { return null; }
        var inherited = gateways.SelectMany(g => _byTarget.GetValueOrDefault(g) ?? []).Concat(_byTarget.GetValueOrDefault(route) ?? []).Distinct().ToList();
        return inherited.Count > 0 ? inherited : null;
    }

    /// <summary>The spec's cap on status.ancestors: more Gateways than this are counted in the Attached message only.</summary>
    public const int MaxAncestors = 16;

    /// <summary>
    /// What a policy with targetRefs reports: its Attached condition (what it is attached to, or which targets Konnect
    /// does not serve) and the Gateway API's status.ancestors, one entry per Gateway it takes effect through (a targeted
    /// Gateway, or the Gateways a targeted route is attached to), Accepted unless the policy itself is not valid.
    /// </summary>
    public static ObjectStatus WithAttachment(ObjectRef key, KonnectPolicy policy, ObjectStatus status, GatewayApiInputs inputs)
    {
        if (policy.Spec.TargetRefs is not { Count: > 0 } targets) { return status; }
        var generation = policy.Metadata.Generation;
        var attached = new List<string>();
        var missing = new List<string>();
        var gateways = new List<ObjectRef>();
        foreach (var target in targets)
        {
            var targetKey = new ObjectRef(target.Kind, key.Namespace, target.Name);
            if (!IsValid(target)) { missing.Add($"{SafeText.Quote(target.Group)}/{SafeText.Quote(target.Kind)} {target.Name} (not a Gateway, HTTPRoute or GRPCRoute)"); continue; }
            if (target.Kind == Gateway.KindName ? inputs.Gateways.ContainsKey(targetKey) : inputs.RouteGateways.ContainsKey(targetKey))
            {
                attached.Add(targetKey.ToString());
                gateways.AddRange(target.Kind == Gateway.KindName ? [targetKey] : inputs.RouteGateways[targetKey]);
            }
            else { missing.Add($"{targetKey} (not found, not Konnect's, or not attached to a Gateway)"); }
        }
        var condition = missing.Count == 0
            ? Conditions.True("Attached", "Attached", $"Attached to {string.Join(", ", attached)}", generation)
            : Conditions.False("Attached", attached.Count > 0 ? "PartiallyAttached" : "TargetNotFound",
                $"{(attached.Count > 0 ? $"Attached to {string.Join(", ", attached)}; " : "")}not attached to {string.Join(", ", missing)}", generation);
        // An invalid policy is attached but enforces nothing new (fail closed or its last good blocks): not Accepted.
        var accepted = status.IsAccepted
            ? Conditions.True(ConditionTypes.Accepted, "Accepted", "Konnect enforces the policy on this Gateway's traffic", generation)
            : Conditions.False(ConditionTypes.Accepted, "Invalid", "The policy is not valid; see its own Accepted condition", generation);
        var ancestors = gateways.Distinct().Take(MaxAncestors).Select(g => new PolicyAncestorStatus
        {
            AncestorRef = new PolicyAncestorRef { Group = GatewayApiGroup.Group, Kind = Gateway.KindName, Namespace = g.Namespace, Name = g.Name },
            ControllerName = GatewayApiGroup.ControllerName,
            Conditions = [accepted],
        }).ToList();
        return status with { Conditions = [.. status.Conditions, condition], Ancestors = ancestors };
    }
}
