using System.Text.Json.Nodes;
using Konnect.Api.Schema;
using Konnect.Api.V1Alpha1;

namespace Konnect.Api.Tests.Schema;

public class CrdGeneratorTests
{
    private static readonly JsonObject Route = CrdGenerator.Generate(typeof(KonnectRoute));

    private static JsonNode RouteSchema => Route["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

    private static JsonNode RuleSchema => RouteSchema["properties"]!["spec"]!["properties"]!["rules"]!["items"]!;

    [Fact]
    public void GenerateAll_RootTypes_OneFilePerCustomResource()
    {
        var names = CrdGenerator.GenerateAll().Select(f => f.FileName);

        Assert.Equal(["konnect.dev_konnectconsumers.yaml", "konnect.dev_konnectpolicies.yaml", "konnect.dev_konnectroutes.yaml"], names);
        Assert.All(CrdGenerator.GenerateAll(), f => Assert.StartsWith(CrdGenerator.Header, f.Yaml, StringComparison.Ordinal));
    }

    [Fact]
    public void Generate_KonnectRoute_HasNamesScopeAndVersion()
    {
        Assert.Equal("konnectroutes.konnect.dev", (string?)Route["metadata"]!["name"]);
        var spec = Route["spec"]!;
        Assert.Equal("konnect.dev", (string?)spec["group"]);
        Assert.Equal("Namespaced", (string?)spec["scope"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"kind":"KonnectRoute","listKind":"KonnectRouteList","plural":"konnectroutes","singular":"konnectroute","shortNames":["kr"],"categories":["konnect"]}
            """), spec["names"]));
        var version = spec["versions"]!.AsArray().Single()!;
        Assert.Equal("v1alpha1", (string?)version["name"]);
        Assert.True((bool)version["served"]!);
        Assert.True((bool)version["storage"]!);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["status"] = new JsonObject() }, version["subresources"]));
    }

    [Fact]
    public void Generate_KonnectRoute_HasPrinterColumns()
    {
        var columns = Route["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray();

        Assert.Equal(["Hosts", "Accepted", "Programmed", "API", "Version", "Lifecycle", "Age"], columns.Select(c => (string)c!["name"]!));
        // API and version only with -o wide; the lifecycle always (issue #23: who is deprecated, at a glance).
        Assert.Equal([0, 0, 0, 1, 1, 0, 0], columns.Select(c => (int?)c!["priority"] ?? 0));
        Assert.Equal(".spec.api.lifecycle.state", (string?)columns[5]!["jsonPath"]);
        Assert.Equal("date", (string?)columns[6]!["type"]);
        Assert.Equal(".metadata.creationTimestamp", (string?)columns[6]!["jsonPath"]);
    }

    [Fact]
    public void Generate_KonnectRoute_RootHasKubernetesFieldsAndRequiredSpec()
    {
        var properties = RouteSchema["properties"]!.AsObject();

        Assert.Equal(["apiVersion", "kind", "metadata", "spec", "status"], properties.Select(p => p.Key));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["type"] = "object" }, properties["metadata"]));
        Assert.Equal(["spec"], RouteSchema["required"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public void Generate_KonnectRoute_RulesAndBackendsAreBounded()
    {
        var rules = RouteSchema["properties"]!["spec"]!["properties"]!["rules"]!;

        Assert.Equal("array", (string?)rules["type"]);
        Assert.Equal(1, (int)rules["minItems"]!);
        Assert.Equal(64, (int)rules["maxItems"]!);
        Assert.Contains("rules", RouteSchema["properties"]!["spec"]!["required"]!.AsArray().Select(r => (string)r!));
        // backends may be left out: a rule whose policies set ai answers itself (the translator checks the rest).
        Assert.Null(RuleSchema["required"]);
        Assert.Equal(16, (int)RuleSchema["properties"]!["backends"]!["maxItems"]!);
        Assert.Null(RuleSchema["properties"]!["backends"]!["minItems"]);
    }

    [Fact]
    public void Generate_RouteBackend_HasCelRulesWeightDefaultAndIntOrStringPort()
    {
        var backend = RuleSchema["properties"]!["backends"]!["items"]!;

        var rules = backend["x-kubernetes-validations"]!.AsArray().Select(v => (string)v!["rule"]!).ToList();
        Assert.Contains("has(self.service) != has(self.url)", rules);
        Assert.Contains("!has(self.service) || has(self.port)", rules);
        Assert.All(backend["x-kubernetes-validations"]!.AsArray(), v => Assert.False(string.IsNullOrEmpty((string?)v!["message"])));

        var weight = backend["properties"]!["weight"]!;
        Assert.Equal("integer", (string?)weight["type"]);
        Assert.Equal("int32", (string?)weight["format"]);
        Assert.Equal(1, (int)weight["default"]!);
        Assert.Equal(0, (int)weight["minimum"]!);
        Assert.Equal(10000, (int)weight["maximum"]!);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"description":"The Service port, by number or by name.","x-kubernetes-int-or-string":true}"""),
            backend["properties"]!["port"]));
    }

    [Fact]
    public void Generate_JwtAuthentication_ExactlyOneKeySourceByCelRule()
    {
        var policy = CrdGenerator.Generate(typeof(KonnectPolicy))["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
        var jwt = policy["properties"]!["spec"]!["properties"]!["authentication"]!["properties"]!["jwt"]!;

        var rule = jwt["x-kubernetes-validations"]!.AsArray().Single()!;
        Assert.Equal("has(self.jwksUri) != has(self.keysSecret)", (string?)rule["rule"]);
        Assert.Equal("set exactly one of jwksUri or keysSecret", (string?)rule["message"]);
        Assert.Equal(["issuer"], jwt["required"]!.AsArray().Select(r => (string)r!));
        var keysSecret = jwt["properties"]!["keysSecret"]!;
        Assert.Equal(["secretName"], keysSecret["required"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("jwks.json", (string?)keysSecret["properties"]!["key"]!["default"]);
    }

    [Fact]
    public void Generate_PathMatch_TypeIsEnumWithStringDefault()
    {
        var path = RuleSchema["properties"]!["matches"]!["items"]!["properties"]!["path"]!;
        var type = path["properties"]!["type"]!;

        Assert.Equal("string", (string?)type["type"]);
        Assert.Equal(["Exact", "PathPrefix", "RegularExpression"], type["enum"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("PathPrefix", (string?)type["default"]);
        Assert.Single(path["x-kubernetes-validations"]!.AsArray());
    }

    [Fact]
    public void Generate_ListOfStringsWithPattern_PutsPatternOnItems()
    {
        var hosts = RouteSchema["properties"]!["spec"]!["properties"]!["hosts"]!;

        Assert.Equal(16, (int)hosts["maxItems"]!);
        Assert.Null(hosts["pattern"]);
        Assert.Equal(KonnectGroup.HostnamePattern, (string?)hosts["items"]!["pattern"]);
        Assert.Equal("string", (string?)hosts["items"]!["type"]);
    }

    [Fact]
    public void Generate_KonnectPolicy_AiBlockIsTypedWithItsRules()
    {
        var spec = CrdGenerator.Generate(typeof(KonnectPolicy))["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;

        var ai = spec["properties"]!["ai"]!;
        Assert.Null(ai["x-kubernetes-preserve-unknown-fields"]);
        Assert.Equal(["models", "providers"], ai["required"]!.AsArray().Select(n => (string)n!).Order());
        var type = ai["properties"]!["providers"]!["items"]!["properties"]!["type"]!;
        Assert.Equal(["OpenAI", "AzureOpenAI", "Anthropic", "Gemini", "OpenAICompatible"], type["enum"]!.AsArray().Select(n => (string)n!));
        Assert.Contains(ai["x-kubernetes-validations"]!.AsArray(), v => (string?)v!["message"] == "provider names must be unique");
        var quota = ai["properties"]!["quotas"]!["items"]!;
        Assert.Contains(quota["x-kubernetes-validations"]!.AsArray(), v => (string?)v!["message"] == "set exactly one of tokens or cost");
    }

    [Fact]
    public void Generate_KonnectPolicy_JwtIsTyped()
    {
        var spec = CrdGenerator.Generate(typeof(KonnectPolicy))["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;

        var jwt = spec["properties"]!["authentication"]!["properties"]!["jwt"]!;
        Assert.Null(jwt["x-kubernetes-preserve-unknown-fields"]);
        Assert.Contains("issuer", jwt["required"]!.AsArray().Select(n => (string?)n));
        Assert.DoesNotContain("jwksUri", jwt["required"]!.AsArray().Select(n => (string?)n)); // or keysSecret: a CEL rule wants exactly one
        Assert.Equal("30s", (string?)jwt["properties"]!["clockSkew"]!["default"]);
        Assert.Equal("sub", (string?)jwt["properties"]!["consumerClaim"]!["default"]);
    }

    [Fact]
    public void Generate_KonnectPolicy_AuthenticationIsTyped()
    {
        var spec = CrdGenerator.Generate(typeof(KonnectPolicy))["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;

        var apiKey = spec["properties"]!["authentication"]!["properties"]!["apiKey"]!;
        Assert.Equal("x-api-key", (string?)apiKey["properties"]!["header"]!["default"]);
        Assert.Null(spec["properties"]!["authentication"]!["x-kubernetes-preserve-unknown-fields"]);
        Assert.Equal("boolean", (string?)spec["properties"]!["authorization"]!["properties"]!["requireSubscription"]!["type"]);
    }

    [Fact]
    public void Generate_Status_ConditionsRequireTypeStatusReason()
    {
        var condition = RouteSchema["properties"]!["status"]!["properties"]!["conditions"]!["items"]!;

        Assert.Equal(["type", "status", "reason"], condition["required"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("date-time", (string?)condition["properties"]!["lastTransitionTime"]!["format"]);
        Assert.Equal("int64", (string?)condition["properties"]!["observedGeneration"]!["format"]);
    }

    [Theory]
    [InlineData(typeof(KonnectRoute))]
    [InlineData(typeof(KonnectPolicy))]
    [InlineData(typeof(KonnectConsumer))]
    public void Generate_EveryCrd_SchemaIsStructural(Type root)
    {
        var schema = CrdGenerator.Generate(root)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

        AssertStructural(schema, "openAPIV3Schema");
    }

    [Fact]
    public void Generate_SameType_IsDeterministic() =>
        Assert.Equal(Route.ToJsonString(), CrdGenerator.Generate(typeof(KonnectRoute)).ToJsonString());

    private static void AssertStructural(JsonObject node, string path)
    {
        var typed = node["type"] is not null;
        var intOrString = node["x-kubernetes-int-or-string"] is JsonValue i && (bool)i;
        var preserve = node["x-kubernetes-preserve-unknown-fields"] is JsonValue p && (bool)p;
        Assert.True(typed || intOrString || preserve, $"{path} has no type and is neither int-or-string nor preserve-unknown-fields");
        Assert.False(node["properties"] is not null && node["additionalProperties"] is not null, $"{path} has both properties and additionalProperties");
        if ((string?)node["type"] == "array")
        {
            Assert.True(node["items"] is JsonObject, $"{path} is an array without items");
        }
        if (node["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties) { AssertStructural(child!.AsObject(), $"{path}.{name}"); }
            foreach (var required in node["required"]?.AsArray() ?? [])
            {
                Assert.True(properties.ContainsKey((string)required!), $"{path} requires {required}, which it does not define");
            }
        }
        if (node["items"] is JsonObject items) { AssertStructural(items, path + "[]"); }
        if (node["additionalProperties"] is JsonObject additional) { AssertStructural(additional, path + "{}"); }
    }
}
