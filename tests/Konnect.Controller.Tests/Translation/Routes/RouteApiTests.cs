using Konnect.Controller.Sources;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.Routes;

/// <summary>
/// spec.api through the translator, as folder mode and `konnect validate` run it: what is accepted becomes the rule's
/// <see cref="ApiModel"/> and a Deprecated condition saying since when; a bad date, a sunset before the deprecation
/// (RFC 8594) or a link a Link header cannot carry is Accepted=False naming the field, and the other routes still serve.
/// </summary>
public sealed class RouteApiTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-api-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Route(string name, string api) => $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: {{name}}, namespace: shop }
        spec:
          api: {{api}}
          rules: [{ matches: [{ path: { value: /{{name}} } }], backends: [{ url: "http://orders:8080" }] }]
        ---

        """;

    private TranslationResult Translate(params string[] documents)
    {
        var path = Path.Combine(_dir, "routes.yaml");
        File.WriteAllText(path, string.Concat(documents));
        return Translator.Translate(ManifestSource.LoadPaths([path]));
    }

    [Fact]
    public void Deprecated_CompiledIntoTheModel_ConditionSaysSinceWhen()
    {
        var result = Translate(Route("v1", """
            { name: orders, version: v1, lifecycle: { state: Deprecated, deprecatedAt: "2026-06-01T00:00:00Z", sunsetAt: "2027-01-01T00:00:00+01:00", successor: /v2, documentation: "https://docs.example.com/orders/v1" } }
            """));

        var api = Assert.Single(result.Model.Routes).Api;
        Assert.Equal(new ApiModel
        {
            Name = "orders", Version = "v1", State = ApiState.Deprecated,
            DeprecatedAt = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), SunsetAt = new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero),
            Successor = "/v2", Documentation = "https://docs.example.com/orders/v1",
        }, api);
        var condition = Condition(result, "v1", ConditionTypes.Deprecated);
        Assert.Equal(("True", "Deprecated"), (condition.Status, condition.Reason));
        Assert.Equal("API orders v1 is deprecated from 2026-06-01T00:00:00Z; sunset 2026-12-31T23:00:00Z; successor /v2", condition.Message);
    }

    [Fact]
    public void PublishedAndRetired_ConditionsSaySo_NoApi_NoCondition()
    {
        var result = Translate(
            Route("v2", "{ name: orders, version: v2 }"),
            Route("v0", "{ name: orders, version: v0, lifecycle: { state: Retired, successor: /v2 } }"),
            Route("plain", "null"));

        Assert.Equal(("False", "Published", "API orders v2 is published"), Tuple(Condition(result, "v2", ConditionTypes.Deprecated)));
        Assert.Equal(("True", "Retired", "API orders v0 is retired: requests are answered 410 Gone; successor /v2"), Tuple(Condition(result, "v0", ConditionTypes.Deprecated)));
        Assert.DoesNotContain(Status(result, "plain").Conditions, c => c.Type == ConditionTypes.Deprecated);
        Assert.Equal(3, result.Model.Routes.Count);
    }

    [Theory]
    [InlineData("{ name: orders, version: v1, lifecycle: { state: Deprecated, deprecatedAt: \"2026-06-01T00:00:00Z\", sunsetAt: \"2026-05-31T23:59:59Z\" } }",
        "spec.api.lifecycle.sunsetAt: 2026-05-31T23:59:59Z is before deprecatedAt 2026-06-01T00:00:00Z; a sunset may not come before the deprecation (RFC 8594)")]
    [InlineData("{ name: orders, version: v1, lifecycle: { state: Deprecated, deprecatedAt: \"June 1st\" } }",
        "spec.api.lifecycle.deprecatedAt: \"June 1st\" is not an RFC 3339 date-time such as 2026-06-01T00:00:00Z")]
    [InlineData("{ name: orders, version: v1, lifecycle: { state: Deprecated, deprecatedAt: \"2026-02-30T00:00:00Z\" } }",
        "spec.api.lifecycle.deprecatedAt: \"2026-02-30T00:00:00Z\" is not an RFC 3339 date-time such as 2026-06-01T00:00:00Z")]
    [InlineData("{ name: orders, version: v1, lifecycle: { state: Deprecated } }",
        "spec.api.lifecycle.deprecatedAt: a Deprecated API needs the date it was (or will be) deprecated")]
    [InlineData("{ name: orders, version: v1, lifecycle: { state: Deprecated, deprecatedAt: \"2026-06-01T00:00:00Z\", enforceSunset: true } }",
        "spec.api.lifecycle.enforceSunset: needs sunsetAt, the date from which requests are answered 410 Gone")]
    [InlineData("{ name: orders, version: v1, lifecycle: { state: Retired, successor: \"https://a.example/v2>; rel=x\" } }",
        "spec.api.lifecycle.successor: \"https://a.example/v2>; rel=x\" must be an absolute http:// or https:// URL without credentials, or a path such as /v2")]
    [InlineData("{ name: orders, version: v1, lifecycle: { state: Retired, documentation: \"javascript:alert(1)\" } }",
        "spec.api.lifecycle.documentation: \"javascript:alert(1)\" must be an absolute http:// or https:// URL without credentials, or a path such as /v2")]
    [InlineData("{ name: \"orders\\n\", version: v1 }",
        "spec.api.name: \"orders\\u000a\" is not a DNS label (lower-case letters, digits and '-', at most 63)")]
    [InlineData("{ name: Orders, version: v1 }",
        "spec.api.name: \"Orders\" is not a DNS label (lower-case letters, digits and '-', at most 63)")]
    [InlineData("{ name: orders, version: \"v 1\" }",
        "spec.api.version: \"v 1\" is not a version such as v1 or 2026-06-01 (letters, digits, '-', '.', '_', at most 63)")]
    public void Invalid_RejectedNamingTheField_OtherRoutesServe(string api, string message)
    {
        var result = Translate(Route("bad", api), Route("good", "{ name: orders, version: v2 }"));

        var accepted = Condition(result, "bad", ConditionTypes.Accepted);
        Assert.Equal(("False", "InvalidApi", message), Tuple(accepted));
        Assert.Equal("good", Assert.Single(result.Model.Routes).Route);
    }

    private static ObjectStatus Status(TranslationResult result, string name) => result.Statuses.Single(s => s.Object.Name == name);

    private static Konnect.Api.Kubernetes.Condition Condition(TranslationResult result, string name, string type) =>
        Status(result, name).Conditions.Single(c => c.Type == type);

    private static (string, string, string) Tuple(Konnect.Api.Kubernetes.Condition c) => (c.Status, c.Reason, c.Message);
}
