using Konnect.Api.Kubernetes;
using Konnect.Controller.Sources;

namespace Konnect.Controller.Tests.Sources;

/// <summary>The YAML layer: syntax errors, safety limits, anchors and the YAML 1.2 scalar rules.</summary>
public class ManifestReaderYamlTests
{
    [Fact]
    public void Read_YamlSyntaxError_WholeFileProblemWithLineAndColumn()
    {
        var file = ManifestReader.Read("bad.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: \"unterminated\n");

        Assert.False(file.IsWellFormed);
        Assert.Empty(file.Objects);
        Assert.Equal(4, file.SyntaxError!.Line);
        Assert.StartsWith("bad.yaml:4:9: ", Assert.Single(file.Problems).Message);
    }

    [Theory]
    [InlineData("a: 1\na: 2\n", "duplicate key")]
    [InlineData("a: *missing\n", "no anchor")]
    [InlineData("a: [1, 2\n", "")]
    public void Read_MalformedYaml_SyntaxError(string text, string expected)
    {
        var file = ManifestReader.Read("x.yaml", text);

        Assert.False(file.IsWellFormed);
        Assert.Contains(expected, file.SyntaxError!.Message);
    }

    [Fact]
    public void Read_DeepNesting_SyntaxErrorInsteadOfStackOverflow()
    {
        var file = ManifestReader.Read("deep.yaml", "a: " + new string('[', 200) + new string(']', 200));

        Assert.Contains("nested deeper than 64", file.SyntaxError!.Message);
    }

    [Fact]
    public void Read_AliasBomb_SyntaxError()
    {
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 10; i++) { lines.Add($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]"); }

        var file = ManifestReader.Read("bomb.yaml", string.Join('\n', lines));

        Assert.Contains("aliases are expanded", file.SyntaxError!.Message);
    }

    [Fact]
    public void Read_AnchorsAndMergeKeys_Resolved()
    {
        var file = ManifestReader.Read("a.yaml", """
            apiVersion: v1
            kind: Service
            metadata: &meta { name: a, labels: { team: x } }
            spec: { ports: [{ <<: &port { port: 80, protocol: TCP }, name: http }] }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: b, labels: { team: y } }
            spec: { ports: [{ <<: { port: 80, protocol: TCP }, port: 81 }] }
            """);

        Assert.Empty(file.Problems);
        var a = (Service)file.Objects[0].Object;
        Assert.Equal((80, "TCP", "http"), (a.Spec.Ports![0].Port, a.Spec.Ports[0].Protocol, a.Spec.Ports[0].Name));
        Assert.Equal(81, ((Service)file.Objects[1].Object).Spec.Ports![0].Port);
    }

    [Theory]
    [InlineData("true", "True")]
    [InlineData("TRUE", "True")]
    [InlineData("on", null)]
    [InlineData("~", "null")]
    public void Read_PlainScalars_ResolvedWithYaml12CoreSchema(string written, string? asBool)
    {
        var file = ManifestReader.Read("b.yaml", $"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{ name: s }}\nendpoints: [{{ addresses: [], conditions: {{ ready: {written} }} }}]\n");

        if (asBool is null)
        {
            Assert.Contains("expected true or false, got \"on\"", Assert.Single(file.Invalid).Invalid.Message);
            return;
        }
        var slice = ReadOne<EndpointSlice>(file);
        Assert.Equal(asBool, slice.Endpoints![0].Conditions!.Ready?.ToString() ?? "null");
    }

    private static T ReadOne<T>(ManifestFile file) => Assert.IsType<T>(file.Objects.Select(o => o.Object).OfType<T>().First());
}
