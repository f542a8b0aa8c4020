using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Controller.Translation.Routes;
using Konnect.Model;

namespace Konnect.Controller.Translation.Portal;

/// <summary>
/// Finds and reads the OpenAPI document of every accepted route that names one (spec.api.openapi: a ConfigMap, or a URL
/// the <see cref="ApiDocumentFetcher"/> fetched), and gives the route its Documented condition. A document that cannot
/// be read leaves the API listed without operations. A ConfigMap (or key) that disappears keeps the last good document
/// on the portal, as does a URL that stops answering: the previous pass's documents and what was fetched are inputs,
/// as last good policies are, so the translator stays pure.
/// </summary>
internal static class ApiDocumentResolver
{
    public const string DefaultKey = "openapi.yaml";

    // Read once per ConfigMap instance and key (snapshot sharing keeps an unchanged ConfigMap's instance), and once per
    // fetched text: a pass reads again only the documents that changed.
    private static readonly ConditionalWeakTable<ConfigMap, ConcurrentDictionary<string, OpenApiReadResult>> ReadConfigMaps = [];
    private static readonly ConditionalWeakTable<FetchedDocument, OpenApiReadResult> ReadFetched = [];

    /// <param name="fetched">What the fetcher got from each URL; null where nothing fetches (konnect validate, tests).</param>
    public static IReadOnlyDictionary<string, ApiDocumentModel> Resolve(ResourceSnapshot snapshot, IReadOnlyList<RouteCandidate> accepted,
        IReadOnlyDictionary<string, ApiDocumentModel>? previous, IReadOnlyDictionary<string, FetchedDocument>? fetched,
        Dictionary<KonnectRoute, ObjectStatus> statuses)
    {
        Dictionary<string, ApiDocumentModel>? documents = null;
        foreach (var candidate in accepted)
        {
            if (candidate.Route.Spec.Api?.Openapi is not { } source) { continue; }
            var id = $"{candidate.Key.Namespace}/{candidate.Key.Name}";
            var (document, condition) = source.Url is { } url
                ? FromUrl(candidate, url, fetched)
                : FromConfigMap(snapshot, candidate, source.ConfigMap!, previous?.GetValueOrDefault(id));
            if (document is not null) { (documents ??= new(StringComparer.Ordinal))[id] = document; }
            if (statuses.TryGetValue(candidate.Route, out var status))
            {
                statuses[candidate.Route] = status with { Conditions = [.. status.Conditions, condition] };
            }
        }
        return documents ?? (IReadOnlyDictionary<string, ApiDocumentModel>)new Dictionary<string, ApiDocumentModel>();
    }

    private static (ApiDocumentModel?, Condition) FromConfigMap(ResourceSnapshot snapshot, RouteCandidate candidate, ConfigMapKeyRef source, ApiDocumentModel? lastGood)
    {
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
            return (lastGood, Conditions.False(ConditionTypes.Documented, Reasons.DocumentNotFound, missing + kept, candidate.Generation));
        }
        var result = ReadConfigMaps.GetValue(configMap!, static _ => new ConcurrentDictionary<string, OpenApiReadResult>(StringComparer.Ordinal))
            .GetOrAdd(key, static (_, t) => OpenApiReader.Read(t), text);
        return Outcome(candidate, where, result, fetchProblem: null);
    }

    private static (ApiDocumentModel?, Condition) FromUrl(RouteCandidate candidate, string url, IReadOnlyDictionary<string, FetchedDocument>? fetched)
    {
        var where = $"URL {ApiDocumentFetcher.Shown(url)}";
        if (fetched?.GetValueOrDefault(url) is not { } document)
        {
            var why = fetched is null ? "documents from URLs are fetched only where the developer portal is on (konnect run --portal-listen)" : "not fetched yet";
            return (null, Conditions.False(ConditionTypes.Documented, Reasons.DocumentNotFetched, $"{where}: {why}; the portal lists the API without operations", candidate.Generation));
        }
        if (document.Text is null)
        {
            return (null, Conditions.False(ConditionTypes.Documented, Reasons.DocumentNotFetched,
                $"{document.Problem}; the portal lists the API without operations", candidate.Generation));
        }
        return Outcome(candidate, where, ReadFetched.GetValue(document, static d => OpenApiReader.Read(d.Text!)), document.Problem);
    }

    /// <param name="fetchProblem">Why the URL's last fetch failed, when the text read is an earlier fetch's.</param>
    private static (ApiDocumentModel?, Condition) Outcome(RouteCandidate candidate, string where, OpenApiReadResult result, string? fetchProblem)
    {
        var generation = candidate.Generation;
        if (result.Document is not { } document)
        {
            return (null, Conditions.False(ConditionTypes.Documented, result.Reason!,
                $"{where}: {result.Problem}; the portal lists the API without operations", generation));
        }
        document = document with { Source = where };
        if (fetchProblem is not null)
        {
            return (document, Conditions.False(ConditionTypes.Documented, Reasons.DocumentNotFetched,
                $"{fetchProblem}; the portal keeps showing the document fetched before ({document.Operations.Count} operation(s))", generation));
        }
        var omitted = document.OperationsOmitted > 0 ? $" ({document.OperationsOmitted} more left out: at most {OpenApiReader.MaxOperations} are shown)" : "";
        return (document, Conditions.True(ConditionTypes.Documented, Reasons.DocumentRead,
            $"{where}: {document.Operations.Count} operation(s){omitted}", generation));
    }
}
