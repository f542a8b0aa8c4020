using System.Text.Json;
using System.Collections.Immutable;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;

namespace Konnect.Controller.Tests.Translation;

/// <summary>One invalid object never changes what any other object gets.</summary>
public sealed class IsolationTests
{
    [Fact]
    public void Translate_InvalidRoutesRemoved_ValidRouteGetsSameModelAndStatus()
    {
        var all = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "rejections.in.yaml")]);
        var fine = new ObjectRef("KonnectRoute", "default", "fine");
        var alone = all with
        {
            Routes = all.Routes.Where(r => r.Key == fine).ToImmutableSortedDictionary(),
            Invalid = all.Invalid.Clear(),
        };

        var withBad = Translator.Translate(all);
        var withoutBad = Translator.Translate(alone);

        Assert.True(all.Routes.Count + all.Invalid.Count > 10, "the case should hold many invalid routes");
        Assert.Equal(Json(withoutBad.Model), Json(withBad.Model));
        Assert.Equal(
            Json(withoutBad.Statuses.Single(s => s.Object == fine)),
            Json(withBad.Statuses.Single(s => s.Object == fine)));
        Assert.All(withBad.Statuses.Where(s => s.Object != fine), s => Assert.False(s.IsAccepted, s.Object.ToString()));
    }

    [Fact]
    public void Translate_RouteReferencingRejectedPolicy_OtherRulesAndRoutesStillServed()
    {
        var result = Translator.Translate(ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "policies.in.yaml")]));

        var open = result.Model.Routes.Single(r => r.Route == "uses-empty");
        Assert.Null(open.Unavailable);
        var secure = result.Model.Routes.Single(r => r.Route == "uses-keys" && r.RuleIndex == 0);
        Assert.Equal("PolicyNotAccepted", secure.Unavailable?.Reason);
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, typeof(T), TranslationJsonContext.Default);
}
