using Konnect.Api.V1Alpha1;
using Konnect.Controller.Translation.Routes;
using System.Text.RegularExpressions;
using Konnect.Controller.Translation;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.Routes;

/// <summary>
/// A regex match the translator accepts is one the data plane can compile, found by the hostile-manifest run of issue
/// #22: the translator checked the pattern alone, the data plane compiles it as a whole-value match, and a (?x)
/// comment swallows the closing parenthesis of that wrapper, so the route was accepted and then answered 503.
/// </summary>
public sealed class RegexMatchValidationTests
{
    [Theory]
    [InlineData("(?x)/orders # the orders API")]
    [InlineData("(?x)a#")]
    public void Validate_PatternValidAloneButNotAsAWholeValueMatch_RejectedWithTheReason(string pattern)
    {
        var problem = RouteValidator.Validate(Spec(pattern));

        Assert.NotNull(problem);
        Assert.Equal(Reasons.InvalidMatch, problem.Reason);
        Assert.StartsWith("spec.rules[0].matches[0].path.value: ", problem.Message);
        Assert.Contains("is valid alone but not as a whole-value match", problem.Message);
        Assert.Throws<RegexParseException>(() => MatchPattern.Compile(pattern));
    }

    // Balanced only against the whole-value wrapper: \A(?:x)|(y)\z would match anything starting with x or ending
    // with y, and a header match "secret)|(.*" every value.
    [Theory]
    [InlineData("a)(b")]
    [InlineData("x)|(y")]
    [InlineData("secret)|(.*")]
    public void Validate_PatternThatOnlyBalancesAgainstTheWrapper_RejectedAndNotCompiled(string pattern)
    {
        var problem = RouteValidator.Validate(Spec(pattern));

        Assert.NotNull(problem);
        Assert.Equal(Reasons.InvalidMatch, problem.Reason);
        Assert.Contains("is not a valid regular expression (insufficient opening parentheses", problem.Message);
        Assert.Throws<RegexParseException>(() => MatchPattern.Compile(pattern));
    }

    [Fact]
    public void Validate_HugeInvalidPattern_MessageStaysShort()
    {
        var pattern = "(" + new string('a', 100_000);

        var problem = RouteValidator.Validate(Spec(pattern));

        Assert.NotNull(problem);
        Assert.Contains("is not a valid regular expression (insufficient closing parentheses at offset 100001)", problem.Message);
        Assert.True(problem.Message.Length < 300, problem.Message);
    }

    [Theory]
    [InlineData("(a+)+$")]
    [InlineData("/orders/[0-9]+")]
    public void Validate_PatternTheDataPlaneCompiles_Accepted(string pattern)
    {
        Assert.Null(RouteValidator.Validate(Spec(pattern)));
        Assert.NotNull(MatchPattern.Compile(pattern));
    }

    private static KonnectRouteSpec Spec(string pattern) => new()
    {
        Rules =
        [
            new RouteRule
            {
                Matches = [new RouteMatch { Path = new PathMatch { Type = PathMatchType.RegularExpression, Value = pattern } }],
                Backends = [new RouteBackend { Url = "http://127.0.0.1:9" }],
            },
        ],
    };
}
