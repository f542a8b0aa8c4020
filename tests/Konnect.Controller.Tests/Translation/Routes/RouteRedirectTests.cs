using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.Routes;

/// <summary>A rule's redirect through the translator: compiled into the model with no backend needed, and refused with a reason when invalid.</summary>
public sealed class RouteRedirectTests : OneRuleRoute
{
    private static Condition Accepted(TranslationResult result) => Condition(result, ConditionTypes.Accepted);

    [Fact]
    public void Redirect_Valid_InTheModelWithoutBackends()
    {
        var result = Translate("{ matches: [{ path: { value: /old } }], redirect: { scheme: https, hostname: new.example.com, path: { type: ReplacePrefixMatch, value: /new }, statusCode: 301 } }");

        var rule = Assert.Single(result.Model.Routes);
        Assert.Equal(new RedirectModel { Scheme = "https", Hostname = "new.example.com", PrefixReplacement = "/new", StatusCode = 301 }, rule.Redirect);
        Assert.Null(rule.Unavailable);
        Assert.Equal("True", Accepted(result).Status);
    }

    [Fact]
    public void Redirect_WithBackends_BackendsUnusedAndSaidSo()
    {
        var result = Translate("{ redirect: { hostname: new.example.com }, backends: [{ url: \"http://old:8080\" }] }");

        Assert.Empty(Assert.Single(result.Model.Routes).Backends);
        Assert.Contains("backends are not used: the rule answers with its redirect", Accepted(result).Message);
    }

    [Theory]
    [InlineData("{ redirect: { statusCode: 304 } }", "spec.rules[0].redirect.statusCode: 304 must be 301, 302, 303, 307 or 308")]
    [InlineData("{ redirect: { scheme: ftp } }", "spec.rules[0].redirect.scheme: \"ftp\" must be http or https")]
    [InlineData("{ redirect: { hostname: \"*.example.com\" } }", "spec.rules[0].redirect.hostname: \"*.example.com\" is not a host name")]
    [InlineData("{ matches: [{ path: { type: Exact, value: /a } }], redirect: { path: { type: ReplacePrefixMatch, value: /b } } }",
        "spec.rules[0].redirect.path: ReplacePrefixMatch needs PathPrefix matches, but matches[0] is Exact")]
    [InlineData("{ redirect: { path: { type: ReplaceFullPath, value: \"/a?b\" } } }", "spec.rules[0].redirect.path.value: \"/a?b\" must start with / and hold no ?, # or spaces")]
    public void Redirect_Invalid_RefusedWithTheField(string rule, string message)
    {
        var accepted = Accepted(Translate(rule));

        Assert.Equal(("False", "InvalidRedirect"), (accepted.Status, accepted.Reason));
        Assert.Equal(message, accepted.Message);
    }
}
