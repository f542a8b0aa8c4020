using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.Routes;

/// <summary>A rule's mirror and mirrors through the translator: in the model in order, each by its own percent, refused with the field when invalid.</summary>
public sealed class RouteMirrorTests : OneRuleRoute
{
    [Fact]
    public void MirrorThenMirrors_AllInTheModelInOrderWithTheirPercents()
    {
        var result = Translate("""{ backends: [{ url: "http://primary:8080" }], mirror: { backend: { url: "http://a:8080" } }, mirrors: [{ backend: { url: "http://b:8080" }, percent: 10 }] }""");

        var mirrors = Assert.Single(result.Model.Routes).Mirrors!;
        Assert.Equal([("http://a:8080", 100), ("http://b:8080", 10)], mirrors.Select(m => (m.Backend.Endpoints.Single(), m.Percent)));
    }

    [Fact]
    public void NoMirror_NoList()
    {
        Assert.Null(Assert.Single(Translate("""{ backends: [{ url: "http://primary:8080" }] }""").Model.Routes).Mirrors);
    }

    [Fact]
    public void MirrorsServiceMissing_ThatMirrorDroppedTheOthersKept()
    {
        var result = Translate("""{ backends: [{ url: "http://primary:8080" }], mirrors: [{ backend: { service: gone, port: 80 } }, { backend: { url: "http://b:8080" } }] }""");

        Assert.Equal(["http://b:8080"], Assert.Single(result.Model.Routes).Mirrors!.Select(m => m.Backend.Endpoints.Single()));
        var resolved = Condition(result, ConditionTypes.ResolvedRefs);
        Assert.Equal("False", resolved.Status);
        Assert.Contains("mirror backend", resolved.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ backends: [{ url: "http://p:8080" }], mirrors: [{ backend: { url: "http://a:8080" } }, { backend: { url: "http://b:8080" }, percent: 101 }] }""",
        "spec.rules[0].mirrors[1].percent: 101 is outside 0..100")]
    [InlineData("""{ backends: [{ url: "http://p:8080" }], mirror: { backend: { url: "http://a:8080" }, percent: -1 } }""",
        "spec.rules[0].mirror.percent: -1 is outside 0..100")]
    public void Mirror_Invalid_RefusedWithTheField(string rule, string message)
    {
        var accepted = Condition(Translate(rule), ConditionTypes.Accepted);
        Assert.Equal("False", accepted.Status);
        Assert.Contains(message, accepted.Message, StringComparison.Ordinal);
    }
}
