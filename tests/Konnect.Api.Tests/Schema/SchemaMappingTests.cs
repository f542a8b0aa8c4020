using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Konnect.Api.Kubernetes;
using Konnect.Api.Schema;

namespace Konnect.Api.Tests.Schema;

/// <summary>Mappings the product types do not use yet, checked on small types of their own.</summary>
public class SchemaMappingTests
{
    [CustomResource("Widget", "widgets")]
    public sealed record Widget
    {
        public string ApiVersion { get; init; } = "";
        public string Kind { get; init; } = "";
        public ObjectMeta Metadata { get; init; } = new();
        public WidgetSpec? Spec { get; init; }
    }

    public enum Mode { Fast, Safe }

    [Description("The widget.")]
    public sealed record WidgetSpec
    {
        public Dictionary<string, int>? Labels { get; init; }
        public byte[]? Blob { get; init; }
        [PreserveUnknownFields] public JsonNode? AnyJson { get; init; }
        [JsonPropertyName("x_custom")] public string? Custom { get; init; }
        [JsonIgnore] public string? Hidden { get; init; }
        [Range(0.5, 2.5), DefaultValue(1.0)] public double Ratio { get; init; }
        [DefaultValue(true)] public bool Enabled { get; init; }
        [DefaultValue(Mode.Safe)] public Mode Mode { get; init; }
        [Format("uri")] public string? Link { get; init; }
        public required string Owner { get; init; }
    }

    [CustomResource("Loop", "loops")]
    public sealed record Loop { public LoopSpec? Spec { get; init; } }
    public sealed record LoopSpec { public List<LoopSpec>? Children { get; init; } }

    [CustomResource("BadDefault", "baddefaults")]
    public sealed record BadDefault { public BadDefaultSpec? Spec { get; init; } }
    public sealed record BadDefaultSpec { [DefaultValue("Slow")] public Mode Mode { get; init; } }

    [Fact]
    public void Generate_VariedTypes_MapsEachToItsSchema()
    {
        var spec = CrdGenerator.Generate(typeof(Widget))["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;

        var expected = JsonNode.Parse("""
            {"description":"The widget.","type":"object","properties":{
              "labels":{"type":"object","additionalProperties":{"type":"integer","format":"int32"}},
              "blob":{"type":"string","format":"byte"},
              "anyJson":{"x-kubernetes-preserve-unknown-fields":true},
              "x_custom":{"type":"string"},
              "ratio":{"type":"number","format":"double","default":1.0,"minimum":0.5,"maximum":2.5},
              "enabled":{"type":"boolean","default":true},
              "mode":{"type":"string","enum":["Fast","Safe"],"default":"Safe"},
              "link":{"type":"string","format":"uri"},
              "owner":{"type":"string"}},
             "required":["owner"]}
            """);
        Assert.True(JsonNode.DeepEquals(expected, spec), spec.ToJsonString());
    }

    [Fact]
    public void Generate_RecursiveType_ThrowsNamingTheType()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CrdGenerator.Generate(typeof(Loop)));

        Assert.Contains("LoopSpec", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_EnumDefaultNotAMember_ThrowsNamingTheField()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CrdGenerator.Generate(typeof(BadDefault)));

        Assert.Contains("BadDefaultSpec.Mode", error.Message, StringComparison.Ordinal);
    }
}
