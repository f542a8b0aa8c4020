using System.Text.Json.Nodes;
using Konnect.Api.Schema;

namespace Konnect.Api.Tests.Schema;

public class YamlEmitterTests
{
    public static TheoryData<string> TrickyStrings() =>
    [
        "", " ", " lead", "trail ", "true", "True", "FALSE", "yes", "No", "on", "OFF", "y", "N", "null", "Null", "~",
        "0", "123", "-1", "+1", "1.5", ".5", "1e3", "1E+30", "0x1F", "0o17", "017", "0b101", "1_000", "1:20", ".inf", "-.Inf", ".NaN",
        "2024-01-01", "2024-01-01T10:00:00Z", "-", "- a", "-a", "?", "? x", ":", ":a", "a:", "a: b", "a #b", "a#b", "#c",
        ",", "[a]", "]", "{a}", "}", "&a", "*a", "!tag", "|", ">", "'", "\"", "%x", "@x", "`x", "<<", "=",
        "a\nb", "a\r\nb", "line\n", "tab\there", "nul\0", "\u0085next", "\u2028sep", "\ufeffbom", "é ü", "emoji 😀",
        "it's", "say \"hi\"", "back\\slash", "10s", "1m30s", "10.0.0.0/8", "http://x:8080/a?b=c#d", "a:b", "CN=acme",
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "$.x", "self.value.startsWith('/')", ".status.conditions[?(@.type==\"Accepted\")].status",
        "# Generated", "plain words", "x-kubernetes-validations",
    ];

    [Theory]
    [MemberData(nameof(TrickyStrings))]
    public void Write_TrickyStringAsValueKeyAndItem_RoundTrips(string value)
    {
        var node = new JsonObject
        {
            ["value"] = value,
            [value] = "key",
            ["items"] = new JsonArray(value, new JsonObject { ["nested"] = value }),
        };

        AssertRoundTrips(node);
    }

    [Fact]
    public void Write_MixedTree_RoundTrips()
    {
        var node = JsonNode.Parse("""
            {"int":1,"long":9223372036854775807,"neg":-42,"double":1.5,"big":1e30,"small":0.1,"t":true,"f":false,"nil":null,
             "emptyObject":{},"emptyArray":[],"nested":{"a":{"b":{"c":[1,"two",null,{}],"d":[]}}},
             "objects":[{"name":"a","ports":[80,443],"meta":{"k":"v"}},{"name":"b","deep":[{"x":[{"y":[[1,2],[]]}]}]}],
             "matrix":[[1,2],[[3]],[],[{}],[{"a":1,"b":2}]],
             "multi":"first line\nsecond line\n"}
            """);

        AssertRoundTrips(node);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"text\"")]
    [InlineData("\"yes\"")]
    [InlineData("7")]
    [InlineData("false")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("[[1,[2,[3,{}]]]]")]
    public void Write_TopLevelNode_RoundTrips(string json) => AssertRoundTrips(JsonNode.Parse(json));

    [Fact]
    public void Write_NestedCollections_UsesKubectlBlockLayout()
    {
        var node = JsonNode.Parse("""{"a":1,"b":[{"c":"x","d":[1,2]},[],[3,4]],"e":{},"f":{"g":"on"}}""");

        var yaml = YamlEmitter.Write(node);

        Assert.Equal(
            "a: 1\nb:\n- c: x\n  d:\n  - 1\n  - 2\n- []\n- - 3\n  - 4\ne: {}\nf:\n  g: 'on'\n",
            yaml);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("it's", "it's")]
    [InlineData("yes", "'yes'")]
    [InlineData("'quoted'", "'''quoted'''")]
    [InlineData("a\nb", "\"a\\nb\"")]
    [InlineData("10s", "10s")]
    public void Write_String_QuotesOnlyWhenNeeded(string value, string expected) =>
        Assert.Equal(expected + "\n", YamlEmitter.Write(JsonValue.Create(value)));

    [Fact]
    public void Write_SameTreeTwice_IsByteIdentical()
    {
        var node = JsonNode.Parse("""{"z":1,"a":[{"m":"x"}],"k":{"b":2,"a":1}}""");

        Assert.Equal(YamlEmitter.Write(node), YamlEmitter.Write(node!.DeepClone()));
        Assert.StartsWith("z: 1\na:", YamlEmitter.Write(node), StringComparison.Ordinal);
    }

    private static void AssertRoundTrips(JsonNode? node)
    {
        var yaml = YamlEmitter.Write(node);
        var back = YamlReader.Read(yaml);
        Assert.True(JsonNode.DeepEquals(node, back),
            $"YAML did not round-trip.\nYAML:\n{yaml}\nexpected: {node?.ToJsonString() ?? "null"}\nactual:   {back?.ToJsonString() ?? "null"}");
    }
}
