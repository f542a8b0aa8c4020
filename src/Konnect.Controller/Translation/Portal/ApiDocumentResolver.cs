using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Controller.Translation.Routes;
using Konnect.Model;

namespace Konnect.Controller.Translation.Portal;

/// <summary>
/// Finds and reads the OpenAPI document of every accepted route that names one (spec.api.openapi), and gives the route
/// its Documented condition. A document that cannot be read leaves the API listed without operations. A ConfigMap (or
/// key) that disappears keeps the last good document on the portal: the previous pass's documents are an input, as
/// last good policies are, so the translator stays pure.
/// </summary>
internal static class ApiDocumentResolver
{
    public const string DefaultKey = "openapi.yaml";

    // Read once per ConfigMap instance and key: snapshot sharing keeps an unchanged ConfigMap's instance, so a pass
    // reads again only the documents that changed.
    private static readonly ConditionalWeakTable<ConfigMap, ConcurrentDictionary<string, OpenApiReadResult>> Read = [];

    public static IReadOnlyDictionary<string, ApiDocumentModel> Resolve(ResourceSnapshot snapshot, IReadOnlyList<RouteCandidate> accepted,
        IReadOnlyDictionary<string, ApiDocumentModel>? previous, Dictionary<KonnectRoute, ObjectStatus> statuses)
    {
        Dictionary<string, ApiDocumentModel>? documents = null;
        foreach (var candidate in accepted)
        {
            if (candidate.Route.Spec.Api?.Openapi?.ConfigMap is not { } source) { continue; }
            var id = $"{candidate.Key.Namespace}/{candidate.Key.Name}";
            var (document, condition) = Resolve(snapshot, candidate, source, previous?.GetValueOrDefault(id));
            if (document is not null) { (documents ??= new(StringComparer.Ordinal))[id] = document; }
            if (statuses.TryGetValue(candidate.Route, out var status))
            {
                statuses[candidate.Route] = status with { Conditions = [.. status.Conditions, condition] };
            }
        }
        return documents ?? (IReadOnlyDictionary<string, ApiDocumentModel>)new Dictionary<string, ApiDocumentModel>();
    }

    private static (ApiDocumentModel?, Condition) Resolve(ResourceSnapshot snapshot, RouteCandidate candidate, ConfigMapKeyRef source, ApiDocumentModel? lastGood)
    {
        var generation = candidate.Generation;
        var key = source.Key ?? DefaultKey;
        var where = $"ConfigMap {candidate.Key.Namespace}/{source.Name} key {key}";
        // Kept only while the route names the same source: pointed elsewhere, the old document is not the API's any more.
        if (lastGood is not null && lastGood.Source != where) { lastGood = null; }
        var configMap = snapshot.ConfigMaps.GetValueOrDefault(new ObjectRef("ConfigMap", candidate.Key.Namespace, source.Name));
        var text = configMap?.GetText(key);
        if (text is null)
        {
            var missing = configMap is null
                ? $"{where}: the ConfigMap is not found" + (snapshot.FromCluster ? $" (Konnect watches only ConfigMaps labelled {ConfigMap.OpenApiLabel}: \"true\")" : "")
                : $"{where}: the ConfigMap has no such key";
            var kept = lastGood is null ? "; the portal lists the API without operations" : "; the portal keeps showing the last document read";
            return (lastGood, Conditions.False(ConditionTypes.Documented, Reasons.DocumentNotFound, missing + kept, generation));
        }

        var result = Read.GetValue(configMap!, static _ => new ConcurrentDictionary<string, OpenApiReadResult>(StringComparer.Ordinal))
            .GetOrAdd(key, static (_, t) => OpenApiReader.Read(t), text);
        if (result.Document is not { } document)
        {
            return (null, Conditions.False(ConditionTypes.Documented, result.Reason!,
                $"{where}: {result.Problem}; the portal lists the API without operations", generation));
        }
        var omitted = document.OperationsOmitted > 0 ? $" ({document.OperationsOmitted} more left out: at most {OpenApiReader.MaxOperations} are shown)" : "";
        document = document with { Source = where };
        return (document, Conditions.True(ConditionTypes.Documented, Reasons.DocumentRead,
            $"{where}: {document.Operations.Count} operation(s){omitted}", generation));
    }
}
