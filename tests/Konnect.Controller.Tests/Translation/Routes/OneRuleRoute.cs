using Konnect.Api.Kubernetes;
using Konnect.Controller.Sources;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.Routes;

/// <summary>One KonnectRoute of one rule, written to a folder of its own and translated: the set-up of the rule feature tests.</summary>
public abstract class OneRuleRoute : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-rule-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>KonnectRoute shop/route with <paramref name="rule"/> (a flow mapping) as its one rule.</summary>
    protected TranslationResult Translate(string rule)
    {
        var path = Path.Combine(_dir, "route.yaml");
        File.WriteAllText(path, $$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: route, namespace: shop }
            spec:
              rules:
                - {{rule}}
            """);
        return Translator.Translate(ManifestSource.LoadPaths([path]));
    }

    /// <summary>The route's condition of <paramref name="type"/>.</summary>
    protected static Condition Condition(TranslationResult result, string type) =>
        Assert.Single(Assert.Single(result.Statuses).Conditions, c => c.Type == type);
}
