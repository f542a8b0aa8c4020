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

    /// <summary>The condition a policy with targetRefs carries: what it is attached to, or which targets Konnect does not serve.</summary>
    public static Condition? Attached(ObjectRef key, KonnectPolicy policy, GatewayApiInputs inputs)
    {
        if (policy.Spec.TargetRefs is not { Count: > 0 } targets) { return null; }
        var generation = policy.Metadata.Generation;
        var attached = new List<string>();
        var missing = new List<string>();
        foreach (var target in targets)
        {
            var targetKey = new ObjectRef(target.Kind, key.Namespace, target.Name);
            if (!IsValid(target)) { missing.Add($"{SafeText.Quote(target.Group)}/{SafeText.Quote(target.Kind)} {target.Name} (not a Gateway, HTTPRoute or GRPCRoute)"); }
            else if (target.Kind == Gateway.KindName ? inputs.Gateways.ContainsKey(targetKey) : inputs.RouteKeys.Contains(targetKey)) { attached.Add(targetKey.ToString()); }
            else { missing.Add($"{targetKey} (not found, not Konnect's, or not attached to a Gateway)"); }
        }
        return missing.Count == 0
            ? Conditions.True("Attached", "Attached", $"Attached to {string.Join(", ", attached)}", generation)
            : Conditions.False("Attached", attached.Count > 0 ? "PartiallyAttached" : "TargetNotFound",
                $"{(attached.Count > 0 ? $"Attached to {string.Join(", ", attached)}; " : "")}not attached to {string.Join(", ", missing)}", generation);
    }
}
