using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Konnect.Api.GatewayApi;
using Konnect.Api.Json;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Sources;

/// <summary>
/// Reads one manifest file (multi-document YAML, or JSON) into Konnect's API objects. Pure: the caller does the I/O.
/// A bad document never hides the good ones next to it; only malformed YAML spoils the whole file.
/// </summary>
public static class ManifestReader
{
    public const string DefaultNamespace = "default";

    private const string Supported = "Konnect reads konnect.dev/v1alpha1 KonnectRoute, KonnectPolicy and KonnectConsumer, "
        + "v1 Service, Secret and ConfigMap, discovery.k8s.io/v1 EndpointSlice, networking.k8s.io/v1 Ingress and IngressClass, v1 Namespace, and "
        + "gateway.networking.k8s.io/v1 GatewayClass, Gateway, HTTPRoute, GRPCRoute and ReferenceGrant (v1beta1 too for all but GRPCRoute)";

    private static readonly Dictionary<(string ApiVersion, string Kind), JsonTypeInfo> Types = new()
    {
        [(KonnectGroup.ApiVersion, KonnectRoute.KindName)] = KonnectJsonContext.Default.KonnectRoute,
        [(KonnectGroup.ApiVersion, KonnectPolicy.KindName)] = KonnectJsonContext.Default.KonnectPolicy,
        [(KonnectGroup.ApiVersion, KonnectConsumer.KindName)] = KonnectJsonContext.Default.KonnectConsumer,
        [("v1", "Service")] = KonnectJsonContext.Default.Service,
        [("v1", "Secret")] = KonnectJsonContext.Default.Secret,
        [("v1", "ConfigMap")] = KonnectJsonContext.Default.ConfigMap,
        [("discovery.k8s.io/v1", "EndpointSlice")] = KonnectJsonContext.Default.EndpointSlice,
        [(Ingress.GroupVersion, Ingress.KindName)] = KonnectJsonContext.Default.Ingress,
        [(Ingress.GroupVersion, IngressClass.KindName)] = KonnectJsonContext.Default.IngressClass,
        [("v1", Namespace.KindName)] = KonnectJsonContext.Default.Namespace,
        [(GatewayApiGroup.ApiVersion, GatewayClass.KindName)] = KonnectJsonContext.Default.GatewayClass,
        [(GatewayApiGroup.ApiVersion, Gateway.KindName)] = KonnectJsonContext.Default.Gateway,
        [(GatewayApiGroup.ApiVersion, HttpRoute.KindName)] = KonnectJsonContext.Default.HttpRoute,
        [(GatewayApiGroup.ApiVersion, GrpcRoute.KindName)] = KonnectJsonContext.Default.GrpcRoute,
        // v1beta1: the standard channel still serves it for these kinds, with the same fields, and older guides write it;
        // a cluster converts it to v1 for Konnect's watches, so a folder reads it too.
        [(GatewayApiGroup.BetaApiVersion, GatewayClass.KindName)] = KonnectJsonContext.Default.GatewayClass,
        [(GatewayApiGroup.BetaApiVersion, Gateway.KindName)] = KonnectJsonContext.Default.Gateway,
        [(GatewayApiGroup.BetaApiVersion, HttpRoute.KindName)] = KonnectJsonContext.Default.HttpRoute,
        [(GatewayApiGroup.BetaApiVersion, ReferenceGrant.KindName)] = KonnectJsonContext.Default.ReferenceGrant,
        [(GatewayApiGroup.ApiVersion, ReferenceGrant.KindName)] = KonnectJsonContext.Default.ReferenceGrant,
    };

    public static ManifestFile Read(string path, string text)
    {
        List<YamlJsonDocument> documents;
        try
        {
            documents = YamlJson.Parse(text);
        }
        catch (ManifestSyntaxException ex)
        {
            return ManifestFile.Unreadable(path, ex.Line, ex.Column, ex.Message);
        }

        var reading = new Reading(path);
        foreach (var document in documents)
        {
            // An empty document (a trailing ---, a file of comments) is not a mistake.
            if (document.Root is not null) { reading.Document(document, document.Root, document.Line, listed: null); }
        }
        return new ManifestFile(path, reading.Objects.ToImmutable(), reading.Invalid.ToImmutable(), reading.Problems.ToImmutable(), null);
    }

    private sealed class Reading(string path)
    {
        public ImmutableArray<ManifestObject>.Builder Objects { get; } = ImmutableArray.CreateBuilder<ManifestObject>();
        public ImmutableArray<ManifestInvalidObject>.Builder Invalid { get; } = ImmutableArray.CreateBuilder<ManifestInvalidObject>();
        public ImmutableArray<SourceProblem>.Builder Problems { get; } = ImmutableArray.CreateBuilder<SourceProblem>();

        /// <param name="listed">Inside a list: the list's item type (a typed FooList may omit apiVersion and kind per item).</param>
        public void Document(YamlJsonDocument document, JsonNode node, int line, (string? ApiVersion, string? Kind)? listed)
        {
            var location = new SourceLocation(path, line);
            if (node is not JsonObject obj)
            {
                Problem(location, $"a manifest must be a mapping with apiVersion, kind and metadata, not {DecodeError.Describe(node, redact: true)}");
                return;
            }
            var apiVersion = Text(obj["apiVersion"]) ?? listed?.ApiVersion;
            var kind = Text(obj["kind"]) ?? listed?.Kind;
            if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
            {
                Problem(location, "the document has no apiVersion or kind; every manifest needs apiVersion, kind and metadata.name");
                return;
            }
            if (listed is null && (kind == "List" || (kind.EndsWith("List", StringComparison.Ordinal) && obj.ContainsKey("items"))))
            {
                ListItems(document, obj, location, apiVersion, kind);
                return;
            }
            if (!Types.TryGetValue((apiVersion, kind), out var type))
            {
                // Manifests folders and GitOps repositories hold other kinds too (RBAC, Deployments): note them, never fail on them.
                Problems.Add(new SourceProblem(location, $"{location}: ignored kind {kind} (apiVersion {apiVersion}); {Supported}", IsWarning: true));
                return;
            }

            var metadata = obj["metadata"] as JsonObject;
            var name = Text(metadata?["name"]);
            if (metadata is null || string.IsNullOrEmpty(name))
            {
                Problem(location, $"{kind} has no metadata.name");
                return;
            }
            // As the API server would: a name or namespace it refuses must not become a route id, a metric label or a
            // log line (a megabyte of anything was accepted here before).
            if (ObjectNames.NameProblem(kind, name) is { } badName)
            {
                Problem(location, $"{kind} {SafeText.Quote(name)}: metadata.name {badName}");
                return;
            }
            var ns = metadata["namespace"];
            if (ns is not null && Text(ns) is null)
            {
                Problem(location, $"{kind} {name}: metadata.namespace must be a string");
                return;
            }
            if (Text(ns) is { Length: > 0 } nsText && ObjectNames.NamespaceProblem(nsText) is { } badNamespace)
            {
                Problem(location, $"{kind} {name}: metadata.namespace {SafeText.Quote(nsText)} {badNamespace}");
                return;
            }
            // A cluster-scoped kind has no namespace (the API server drops one given), as its references key it in a cluster.
            var clusterScoped = kind is IngressClass.KindName or GatewayClass.KindName or Namespace.KindName;
            var namespaceName = clusterScoped ? "" : Text(ns) is { Length: > 0 } given ? given : DefaultNamespace;
            if (clusterScoped) { metadata.Remove("namespace"); }
            else { metadata["namespace"] = namespaceName; } // the translator relies on every namespaced object having one
            // Pooled, so the reference shares its strings with the decoded object's own (read through the same pool).
            var reference = new ObjectRef(StringPool.Get(kind), StringPool.Get(namespaceName), StringPool.Get(name));
            var redact = kind == "Secret";

            if (DecodeError.RemoveNulls(obj, "") is { } nullItem)
            {
                AddInvalid(location, reference, $"{nullItem}: a list item may not be empty (null)");
                return;
            }
            try
            {
                if (JsonSerializer.Deserialize(obj, type) is IKubernetesObject decoded)
                {
                    Objects.Add(new ManifestObject(reference, location, decoded));
                    // Konnect's own kinds only: the other kinds' types hold just the fields Konnect reads.
                    if (apiVersion == KonnectGroup.ApiVersion && UnknownFields.Describe(type, obj) is { } unknown)
                    {
                        Problems.Add(new SourceProblem(location, $"{location}: {reference}: {unknown}", IsWarning: true));
                    }
                }
            }
            catch (JsonException ex)
            {
                AddInvalid(location, reference, DecodeError.Explain(type, obj, ex, redact));
            }
        }

        private void ListItems(YamlJsonDocument document, JsonObject list, SourceLocation location, string apiVersion, string kind)
        {
            if (list["items"] is not JsonArray items)
            {
                if (list["items"] is not null) { Problem(location, $"{kind}: items must be a list of manifests"); }
                return;
            }
            // A typed list (KonnectRouteList) names its item kind once; a plain List names it in every item.
            (string?, string?) itemType = kind == "List" ? (null, null) : (apiVersion, kind[..^"List".Length]);
            foreach (var item in items)
            {
                if (item is null) { continue; }
                Document(document, item, document.LineOf(item, location.Line), itemType);
            }
        }

        private void AddInvalid(SourceLocation location, ObjectRef reference, string message) =>
            Invalid.Add(new ManifestInvalidObject(location, new InvalidObject(reference, "InvalidSpec", message)));

        private void Problem(SourceLocation location, string message) =>
            Problems.Add(new SourceProblem(location, $"{location}: {message}"));

        private static string? Text(JsonNode? node) =>
            node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
    }
}
