using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Controller.Translation.GatewayApi;
using Konnect.Controller.Translation.Ingresses;
using Konnect.Model;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// Every route the translator compiles, whatever API it was written in: the KonnectRoutes as they are, the routes
/// Konnect's Ingresses stand for (<see cref="IngressConverter"/>) and its HTTPRoutes and GRPCRoutes
/// (<see cref="GatewayApiInputs"/>), in one collection in key order so that precedence,
/// conflicts between inputs, the per-route reuse and the endpoint fast path treat them alike. With no Ingress it is the
/// snapshot's own route collection, at no cost.
/// </summary>
internal sealed class InputRoutes
{
    // Per KonnectRoute collection, the last merge: an endpoint change (a new snapshot with the same routes, Ingresses and
    // classes) must find the same merged collection, since the per-Service index of routes is kept per collection.
    private static readonly ConditionalWeakTable<object, InputRoutes> Last = [];

    private InputRoutes(ResourceSnapshot snapshot, RouteCollection routes, IReadOnlyList<ObjectStatus> ingressStatuses,
        GatewayApiInputs gatewayApi)
    {
        _inputs = Inputs.Of(snapshot);
        Routes = routes;
        IngressStatuses = ingressStatuses;
        GatewayApi = gatewayApi;
    }

    /// <summary>Every route by key: KonnectRoutes, Ingress parts keyed (Ingress, namespace, NAME:HOST), HTTPRoutes and GRPCRoutes.</summary>
    public RouteCollection Routes { get; }

    /// <summary>One status per Konnect Ingress (key (Ingress, namespace, NAME)): what was translated and what was not.</summary>
    public IReadOnlyList<ObjectStatus> IngressStatuses { get; }

    /// <summary>The Gateway API objects judged, whose HTTPRoutes are among <see cref="Routes"/>.</summary>
    public GatewayApiInputs GatewayApi { get; }

    private readonly Inputs _inputs;

    // What the merge is a function of besides the KonnectRoutes, by reference.
    // The policies count through their targetRefs only (PolicyTargets is one shared instance while no policy has any).
    private readonly record struct Inputs(object Ingresses, object IngressClasses, object HttpRoutes, object Gateways, object GatewayClasses,
        object ReferenceGrants, object Namespaces, object PolicyTargets)
    {
        public static Inputs Of(ResourceSnapshot s) => new(s.Ingresses, s.IngressClasses, (s.HttpRoutes, s.GrpcRoutes), s.Gateways, s.GatewayClasses,
            s.ReferenceGrants, s.Namespaces, Translation.GatewayApi.PolicyTargets.Of(s.Policies));
    }

    public static InputRoutes Of(ResourceSnapshot snapshot)
    {
        // Keyed by the KonnectRoute collection, which snapshots share (the empty one by all of them): the other inputs
        // must be the same instances too.
        if (Last.TryGetValue(snapshot.Routes, out var last) && last._inputs == Inputs.Of(snapshot)) { return last; }
        var merged = snapshot.Ingresses.IsEmpty && snapshot.GatewayClasses.IsEmpty
            ? new InputRoutes(snapshot, new RouteCollection(snapshot.Routes), [], GatewayApiInputs.Empty)
            : Build(snapshot);
        Last.AddOrUpdate(snapshot.Routes, merged);
        return merged;
    }

    private static InputRoutes Build(ResourceSnapshot snapshot)
    {
        var parts = new List<KeyValuePair<ObjectRef, KonnectRoute>>();
        var statuses = new List<ObjectStatus>();
        foreach (var (key, ingress) in snapshot.Ingresses)
        {
            if (!IngressClasses.IsKonnects(ingress, snapshot)) { continue; }
            var conversion = IngressConverter.Convert(key, ingress);
            parts.AddRange(conversion.Parts);
            statuses.Add(Status(key, ingress, conversion));
        }
        // "NAME:HOST" keys do not sort as their Ingresses do ("a-b:x" before "a:x"): a sort, over the parts alone.
        parts.Sort(static (a, b) => a.Key.CompareTo(b.Key));
        var gatewayApi = GatewayApiInputs.Of(snapshot);
        return new InputRoutes(snapshot, new RouteCollection(gatewayApi.Routes, parts, snapshot.Routes), statuses, gatewayApi);
    }

    private static ObjectStatus Status(ObjectRef key, Ingress ingress, IngressConversion conversion)
    {
        var generation = ingress.Metadata.Generation;
        var names = string.Join(", ", conversion.Parts.Select(p => p.Key.Name));
        Condition accepted = conversion.Parts.Count > 0
            ? Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, $"Translated into {conversion.Parts.Count} route(s): {names}", generation)
            : Conditions.False(ConditionTypes.Accepted, conversion.Problems.FirstOrDefault()?.Reason ?? Reasons.InvalidSpec,
                conversion.Problems.Count > 0 ? string.Join("; ", conversion.Problems.Select(p => p.Message)) : "spec has neither rules nor a defaultBackend; nothing to serve",
                generation);
        Condition resolved = conversion.Problems.Count == 0
            ? Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, "Every path was translated", generation)
            : Conditions.False(ConditionTypes.ResolvedRefs, conversion.Problems[0].Reason, string.Join("; ", conversion.Problems.Select(p => p.Message)), generation);
        return new ObjectStatus { Object = key, Generation = generation, Conditions = [accepted, resolved] };
    }
}
