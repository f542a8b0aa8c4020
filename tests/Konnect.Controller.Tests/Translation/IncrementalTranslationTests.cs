using System.Text.Json;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;

namespace Konnect.Controller.Tests.Translation;

/// <summary>A pass that reuses the last pass's work must give exactly what a pass from scratch gives.</summary>
public sealed class IncrementalTranslationTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Directory.GetFiles(TestData.Directory, "*.in.yaml").Select(f => Path.GetFileName(f)[..^".in.yaml".Length]).Order(StringComparer.Ordinal))
        {
            foreach (var change in new[] { "none", "remove-first", "touch-first", "endpoints-then-remove-first", "last-becomes-oldest" }) { data.Add(name, change); }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translate_WithPreviousResult_SameAsFullTranslation(string name, string change)
    {
        var before = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, name + ".in.yaml")]);
        var previous = Translator.Translate(before, null, null);
        if (change == "endpoints-then-remove-first")
        {
            // The fast path's result is the next pass's history too: its candidates must follow the new endpoints.
            var moved = before with { EndpointSlices = before.EndpointSlices.Clear() };
            previous = EndpointUpdate.Apply(previous, moved, EndpointUpdate.ChangedServices(before, moved));
            before = moved;
        }
        var after = Change(before, change);

        var incremental = Translator.Translate(after, previous.LastGoodPolicies, null, previous);
        var full = Translator.Translate(after, previous.LastGoodPolicies, null);

        Assert.Equal(Json(full), Json(incremental));
    }

    [Fact]
    public void Translate_OneRouteTouched_EveryOtherRuleKeepsItsModelInstance()
    {
        var before = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "precedence.in.yaml")]);
        var previous = Translator.Translate(before, null, null);
        var touched = before.Routes.Keys.First();

        var next = Translator.Translate(Change(before, "touch-first"), previous.LastGoodPolicies, null, previous);

        var others = next.Model.Routes.Where(r => r.Namespace != touched.Namespace || r.Route != touched.Name).ToList();
        Assert.NotEmpty(others);
        Assert.All(others, rule => Assert.Same(previous.Model.Routes.Single(r => r.Id == rule.Id), rule));
    }

    private static ResourceSnapshot Change(ResourceSnapshot snapshot, string change)
    {
        if (snapshot.Routes.IsEmpty) { return snapshot; }
        var (key, first) = snapshot.Routes.First();
        return change switch
        {
            "remove-first" or "endpoints-then-remove-first" => snapshot with { Routes = snapshot.Routes.Remove(key) },
            // A new instance with the same spec: compiled again, its status follows the new generation.
            "touch-first" => snapshot with { Routes = snapshot.Routes.SetItem(key, first with { Metadata = first.Metadata with { Generation = (first.Metadata.Generation ?? 1) + 1 } }) },
            // A recompiled route that moves to the front of the age order: the kept order must take it in where a
            // full sort puts it (it now wins conflicts and precedence ties it lost before).
            "last-becomes-oldest" => snapshot with
            {
                Routes = snapshot.Routes.SetItem(snapshot.Routes.Keys.Last(), snapshot.Routes.Values.Last() is var last
                    ? last with { Metadata = last.Metadata with { CreationTimestamp = DateTimeOffset.UnixEpoch, Generation = (last.Metadata.Generation ?? 1) + 1 } }
                    : last),
            },
            _ => snapshot,
        };
    }

    private static string Json(TranslationResult result) => JsonSerializer.Serialize(result, TranslationJsonContext.Default.TranslationResult);
}
