using Konnect.Api.Kubernetes;
using Konnect.Controller.Sources;
using Konnect.Controller.Translation;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.Portal;

/// <summary>
/// spec.api.openapi through the translator, as folder mode runs it: a document read gives the route Documented=True
/// and reaches the model for the portal; a missing ConfigMap or key, or a document that cannot be read, is
/// Documented=False naming the problem while the route keeps serving; and a ConfigMap that disappears keeps the last
/// document read.
/// </summary>
public sealed class ApiDocumentResolverTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-openapi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Route = """
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: orders-v1, namespace: shop }
        spec:
          api: { name: orders, version: v1, visibility: Listed, openapi: { configMap: { name: orders-doc } } }
          rules: [{ matches: [{ path: { value: /v1 } }], backends: [{ url: "http://orders:8080" }] }]
        ---

        """;

    private static string ConfigMap(string document, string key = "openapi.yaml") => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {"{"} name: orders-doc, namespace: shop {"}"}
        data:
          {key}: |
        {string.Join('\n', document.Split('\n').Select(l => "    " + l))}
        ---

        """;

    private const string Document = """
        openapi: 3.1.0
        info: { title: Orders, version: "1" }
        paths:
          /v1/orders: { get: { summary: List orders, responses: { "200": { description: ok } } } }
        """;

    private TranslationResult Translate(TranslationResult? previous, params string[] documents) => TranslateFetched(previous, null, documents);

    private TranslationResult TranslateFetched(TranslationResult? previous, IReadOnlyDictionary<string, FetchedDocument>? fetched, params string[] documents)
    {
        var path = Path.Combine(_dir, "all.yaml");
        File.WriteAllText(path, string.Concat(documents));
        return Translator.Translate(ManifestSource.LoadPaths([path]), null, null, previous, fetched);
    }

    private const string UrlRoute = """
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: orders-v1, namespace: shop }
        spec:
          api: { name: orders, version: v1, visibility: Listed, openapi: { url: "https://docs.example.com/orders.yaml?token=abc" } }
          rules: [{ matches: [{ path: { value: /v1 } }], backends: [{ url: "http://orders:8080" }] }]
        ---

        """;

    private const string Url = "https://docs.example.com/orders.yaml?token=abc";

    [Fact]
    public void FetchedFromAUrl_DocumentedTrue_TheUrlsQueryNeverShown()
    {
        var result = TranslateFetched(null, new Dictionary<string, FetchedDocument> { [Url] = new(Document, null, DateTimeOffset.UnixEpoch) }, UrlRoute);

        Assert.Equal(("True", Reasons.DocumentRead), (Documented(result).Status, Documented(result).Reason));
        Assert.Equal("URL https://docs.example.com/orders.yaml: 1 operation(s)", Documented(result).Message);
        Assert.Equal("List orders", result.Model.ApiDocuments["shop/orders-v1"].Operations.Single().Summary);
    }

    [Fact]
    public void UrlFailsAfterAGoodFetch_EarlierDocumentKept_ConditionSaysWhy()
    {
        var failing = new FetchedDocument(Document, "https://docs.example.com/orders.yaml answered 503", DateTimeOffset.UnixEpoch);

        var result = TranslateFetched(null, new Dictionary<string, FetchedDocument> { [Url] = failing }, UrlRoute);

        Assert.Equal(("False", Reasons.DocumentNotFetched), (Documented(result).Status, Documented(result).Reason));
        Assert.Equal("https://docs.example.com/orders.yaml answered 503; the portal keeps showing the document fetched before (1 operation(s))", Documented(result).Message);
        Assert.Single(result.Model.ApiDocuments);
    }

    [Fact]
    public void UrlNeverFetched_OrNothingFetches_ListedWithoutOperations()
    {
        var notYet = TranslateFetched(null, new Dictionary<string, FetchedDocument>(), UrlRoute);
        var nothing = Translate(null, UrlRoute);

        Assert.Contains("not fetched yet", Documented(notYet).Message);
        Assert.Contains("fetched only where the developer portal is on", Documented(nothing).Message);
        Assert.Empty(nothing.Model.ApiDocuments);
        AssertServed(nothing);
    }

    private static Condition Documented(TranslationResult result) =>
        result.Statuses.Single(s => s.Object.Name == "orders-v1").Conditions.Single(c => c.Type == ConditionTypes.Documented);

    private static void AssertServed(TranslationResult result) =>
        Assert.Contains(result.Model.Routes, r => r.Route == "orders-v1" && r.Unavailable is null);

    [Fact]
    public void DocumentRead_DocumentedTrue_DocumentInTheModel()
    {
        var result = Translate(null, Route, ConfigMap(Document));

        var condition = Documented(result);
        Assert.Equal(("True", Reasons.DocumentRead), (condition.Status, condition.Reason));
        Assert.Contains("ConfigMap shop/orders-doc key openapi.yaml: 1 operation(s)", condition.Message);
        Assert.Equal("List orders", result.Model.ApiDocuments["shop/orders-v1"].Operations.Single().Summary);
        Assert.True(result.Model.Routes.Single().Api!.Listed);
    }

    [Fact]
    public void NoSuchConfigMapOrKey_DocumentNotFound_RouteStillServes()
    {
        var missing = Translate(null, Route);
        var wrongKey = Translate(null, Route, ConfigMap(Document, key: "other.yaml"));

        Assert.Equal(("False", Reasons.DocumentNotFound), (Documented(missing).Status, Documented(missing).Reason));
        Assert.Contains("the ConfigMap is not found; the portal lists the API without operations", Documented(missing).Message);
        Assert.Contains("the ConfigMap has no such key", Documented(wrongKey).Message);
        Assert.Empty(missing.Model.ApiDocuments);
        AssertServed(missing);
        AssertServed(wrongKey);
    }

    [Fact]
    public void UnreadableDocument_InvalidDocument_ListedWithoutOperations_RouteStillServes()
    {
        var result = Translate(null, Route, ConfigMap("openapi: [unclosed"));

        var condition = Documented(result);
        Assert.Equal(("False", Reasons.InvalidDocument), (condition.Status, condition.Reason));
        Assert.Contains("not JSON or YAML", condition.Message);
        Assert.Empty(result.Model.ApiDocuments);
        AssertServed(result);
        Assert.True(result.Statuses.Single(s => s.Object.Name == "orders-v1").IsAccepted);
    }

    [Fact]
    public void ConfigMapDisappears_LastDocumentKept_ConditionSaysSo()
    {
        var first = Translate(null, Route, ConfigMap(Document));
        var second = Translate(first, Route);

        Assert.Equal(first.Model.ApiDocuments["shop/orders-v1"].Digest, second.Model.ApiDocuments["shop/orders-v1"].Digest);
        Assert.Contains("the portal keeps showing the last document read", Documented(second).Message);
        Assert.Equal(Reasons.DocumentNotFound, Documented(second).Reason);
    }

    [Fact]
    public void RoutePointedAtAnotherSource_LastDocumentNotKept()
    {
        var first = Translate(null, Route, ConfigMap(Document));
        var second = Translate(first, Route.Replace("name: orders-doc", "name: other-doc", StringComparison.Ordinal), ConfigMap(Document));

        Assert.Empty(second.Model.ApiDocuments);
        Assert.Contains("ConfigMap shop/other-doc key openapi.yaml: the ConfigMap is not found; the portal lists the API without operations", Documented(second).Message);
    }

    [Fact]
    public void DocumentChanges_ModelVersionChanges()
    {
        var first = Translate(null, Route, ConfigMap(Document));
        var second = Translate(first, Route, ConfigMap(Document.Replace("List orders", "All orders", StringComparison.Ordinal)));

        Assert.NotEqual(first.Model.Version, second.Model.Version);
        Assert.Equal("All orders", second.Model.ApiDocuments["shop/orders-v1"].Operations.Single().Summary);
    }

    [Theory]
    [InlineData("Listed", true, false)]
    [InlineData("Internal", true, true)]
    [InlineData("Hidden", false, false)]
    public void Visibility_CompiledForThePortal(string visibility, bool listed, bool isInternal)
    {
        var result = Translate(null, Route.Replace("visibility: Listed", $"visibility: {visibility}", StringComparison.Ordinal));

        var api = result.Model.Routes.Single().Api!;
        Assert.Equal((listed, isInternal), (api.Listed, api.Internal));
    }

    [Theory]
    [InlineData("visibility: Public", "spec.api.visibility")]
    [InlineData("team: Storefront", "spec.api.team")]
    [InlineData("tags: [ok, Not-OK]", "spec.api.tags")]
    [InlineData("openapi: { configMap: { name: doc, key: \"a/b\" } }", "spec.api.openapi.configMap.key")]
    [InlineData("openapi: { configMap: { name: doc }, url: \"https://docs.example.com/a\" }", "spec.api.openapi: give exactly one")]
    [InlineData("openapi: { url: \"ftp://docs.example.com/a\" }", "spec.api.openapi.url")]
    [InlineData("openapi: { url: \"https://user:secret@docs.example.com/a\" }", "spec.api.openapi.url")]
    public void BadPortalField_AcceptedFalse_NamingTheField(string field, string expected)
    {
        var result = Translate(null, $$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders-v1, namespace: shop }
            spec:
              api: { name: orders, version: v1, {{field}} }
              rules: [{ matches: [{ path: { value: /v1 } }], backends: [{ url: "http://orders:8080" }] }]
            """);

        var accepted = result.Statuses.Single(s => s.Object.Name == "orders-v1").Conditions.Single(c => c.Type == ConditionTypes.Accepted);
        Assert.Equal("False", accepted.Status);
        Assert.Contains(expected, accepted.Message);
        Assert.DoesNotContain("secret", accepted.Message);
    }
}
