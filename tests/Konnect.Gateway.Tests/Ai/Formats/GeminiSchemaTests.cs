using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Formats;

public sealed class GeminiSchemaTests
{
    [Fact]
    public void Clean_UnionsConstantsAndArrays_GivesGeminiSubset()
    {
        var schema = GeminiAssert.Parse("""
            {"type":"object","title":"Order","additionalProperties":false,"properties":{
              "kind":{"const":"order"},
              "id":{"oneOf":[{"type":"string","minLength":3},{"type":"integer","format":"int64","exclusiveMinimum":0}]},
              "tags":{"type":"array","items":{"type":"string","format":"uri"},"maxItems":5,"uniqueItems":true},
              "note":{"anyOf":[{"type":"string"},{"type":"null"}],"default":null}},
             "required":["kind","id"]}
            """);

        GeminiAssert.Json("""
            {"type":"object","title":"Order","properties":{
              "kind":{"enum":["order"]},
              "id":{"anyOf":[{"type":"string","minLength":3},{"type":"integer","format":"int64"}]},
              "tags":{"type":"array","items":{"type":"string"},"maxItems":5},
              "note":{"nullable":true,"type":"string","default":null}},
             "required":["kind","id"]}
            """, GeminiSchema.Clean(schema));
    }

    [Fact]
    public void Clean_RecursiveReference_StopsWithABareObject()
    {
        var schema = GeminiAssert.Parse("""
            {"type":"object","properties":{"root":{"$ref":"#/definitions/Node"}},
             "definitions":{"Node":{"type":"object","properties":{"child":{"$ref":"#/definitions/Node"}}}}}
            """);

        var cleaned = GeminiSchema.Clean(schema);

        var depth = 0;
        var node = cleaned["properties"]!["root"];
        while (node?["properties"]?["child"] is { } child) { node = child; depth++; }
        Assert.Equal(16, depth);
        GeminiAssert.Json("""{"type":"object"}""", node);
        Assert.Null(cleaned["definitions"]);
    }
}
