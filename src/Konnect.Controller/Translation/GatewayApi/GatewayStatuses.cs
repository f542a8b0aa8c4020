using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Store;
using Konnect.Controller.Translation.Tls;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// Each of Konnect's Gateways' status for this pass: its HTTPS listeners' certificateRefs loaded (a Secret in another
/// namespace needs a ReferenceGrant from Gateways), the listeners' conditions and attachedRoutes, and the Gateway's
/// Accepted and Programmed. The certificates go to the TLS listener for the listener's hostname; a listener without a
/// hostname serves its certificate to every SNI name no route or listener claims, unless a default certificate is set.
/// </summary>
internal static class GatewayStatuses
{
    public sealed record Result(IReadOnlyList<ObjectStatus> Statuses, IReadOnlyList<(ObjectRef Key, IReadOnlyList<string> Hosts, RouteTlsOutcome? Tls)> Certificates,
        CertificateModel? AnyHostCertificate);

    public static Result Build(GatewayApiInputs inputs, ResourceSnapshot snapshot, CertificateLoader loader)
    {
        var statuses = new List<ObjectStatus>();
        var certificates = new List<(ObjectRef, IReadOnlyList<string>, RouteTlsOutcome?)>();
        CertificateModel? anyHost = null;
        foreach (var (key, listeners) in inputs.Gateways)
        {
            var gateway = snapshot.Gateways[key];
            var generation = gateway.Metadata.Generation;
            var listenerStatuses = new List<ListenerStatus>();
            foreach (var listener in listeners)
            {
                var conditions = listener.Conditions.ToList();
                if (listener.Usable && listener.IsHttps && Certificate(key, listener.Listener, snapshot, loader) is var (certificate, problem))
                {
                    if (problem is { } p)
                    {
                        conditions[2] = Conditions.False(ConditionTypes.ResolvedRefs, p.Reason, p.Message, generation);
                        conditions[1] = Conditions.False(ConditionTypes.Programmed, "Invalid", "The listener has no usable certificate", generation);
                    }
                    else if (listener.Listener.Hostname is { Length: > 0 } hostname)
                    {
                        certificates.Add((new ObjectRef(Gateway.KindName, key.Namespace, $"{key.Name}/{listener.Listener.Name}"), [hostname.ToLowerInvariant()],
                            new RouteTlsOutcome(certificate, null, [], null)));
                    }
                    else
                    {
                        anyHost ??= certificate;
                    }
                }
                listenerStatuses.Add(new ListenerStatus
                {
                    Name = listener.Listener.Name,
                    SupportedKinds = [.. listener.Kinds],
                    AttachedRoutes = inputs.AttachedRoutes.GetValueOrDefault(listener),
                    Conditions = conditions,
                });
            }
            var programmed = listenerStatuses.Any(l => l.Conditions.Any(c => c.Type == ConditionTypes.Programmed && c.Status == "True"));
            var allValid = listeners.All(l => l.Usable);
            // A Gateway none of whose listeners is accepted is not accepted either (ListenersNotValid, False): the
            // specification's reason covers both, and the conformance suite expects False when no listener is accepted.
            var anyAccepted = listeners.Any(l => l.Conditions.Any(c => c.Type == ConditionTypes.Accepted && c.Status == "True"));
            statuses.Add(new ObjectStatus
            {
                Object = key,
                Generation = generation,
                Conditions =
                [
                    allValid
                        ? Conditions.True(ConditionTypes.Accepted, "Accepted", "Gateway accepted", generation)
                        : anyAccepted
                            ? Conditions.True(ConditionTypes.Accepted, "ListenersNotValid", "Some listeners are not valid; the others are served", generation)
                            : Conditions.False(ConditionTypes.Accepted, "ListenersNotValid", "No listener is accepted", generation),
                    programmed
                        ? Conditions.True(ConditionTypes.Programmed, "Programmed", "Served by Konnect's listeners", generation)
                        : Conditions.False(ConditionTypes.Programmed, "Invalid", "No listener can be served", generation),
                ],
                Listeners = listenerStatuses,
            });
        }
        return new Result(statuses, certificates, anyHost);
    }

    private static (CertificateModel? Certificate, RouteProblem? Problem)? Certificate(ObjectRef gateway, Listener listener, ResourceSnapshot snapshot,
        CertificateLoader loader)
    {
        var refs = listener.Tls?.CertificateRefs ?? [];
        if (refs.Count == 0) { return (null, new RouteProblem("InvalidCertificateRef", $"listener {listener.Name}: an HTTPS listener needs tls.certificateRefs")); }
        var reference = refs[0];
        if ((reference.Group ?? "") != "" || (reference.Kind ?? "Secret") != "Secret")
        {
            return (null, new RouteProblem("InvalidCertificateRef", $"listener {listener.Name}: certificateRefs[0] must be a Secret, not {reference.Group}/{reference.Kind}"));
        }
        var ns = reference.Namespace ?? gateway.Namespace;
        if (!ReferenceGrants.Permit(snapshot, GatewayApiGroup.Group, Gateway.KindName, gateway.Namespace, "", "Secret", ns, reference.Name))
        {
            return (null, new RouteProblem("RefNotPermitted", $"listener {listener.Name}: no ReferenceGrant in namespace {ns} allows Gateways from {gateway.Namespace} to use Secret {reference.Name}"));
        }
        var loaded = loader.Load(ns, reference.Name, $"listener {listener.Name} certificateRefs[0]");
        return loaded.Problem is { } problem ? (null, problem with { Reason = "InvalidCertificateRef" }) : (loaded.Certificate, null);
    }
}
