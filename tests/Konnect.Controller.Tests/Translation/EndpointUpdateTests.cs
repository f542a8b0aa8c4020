using System.Collections.Immutable;
using System.Text.Json;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;

namespace Konnect.Controller.Tests.Translation;

/// <summary>The endpoint fast path must give exactly what a full translation gives, for every golden case.</summary>
public sealed class EndpointUpdateTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Directory.GetFiles(TestData.Directory, "*.in.yaml").Select(f => Path.GetFileName(f)[..^".in.yaml".Length]).Order(StringComparer.Ordinal))
        {
            foreach (var change in new[] { "remove-all", "not-ready", "add-address", "new-slice" }) { data.Add(name, change); }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_EndpointChange_SameAsFullTranslation(string name, string change)
    {
        var before = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, name + ".in.yaml")]);
        var after = before with { EndpointSlices = Change(before, change) };
        var previous = Translator.Translate(before);

        Assert.True(EndpointUpdate.OnlyEndpointsChanged(before, after) || before.EndpointSlices.SequenceEqual(after.EndpointSlices));
        var fast = EndpointUpdate.Apply(previous, after, EndpointUpdate.ChangedServices(before, after));
        var full = Translator.Translate(after);

        Assert.Equal(Json(full), Json(fast));
    }

    [Fact]
    public void OnlyEndpointsChanged_RouteChanged_False()
    {
        var before = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "service-backend.in.yaml")]);
        var after = before with { EndpointSlices = Change(before, "remove-all"), Routes = before.Routes.Clear() };

        Assert.False(EndpointUpdate.OnlyEndpointsChanged(before, after));
    }

    [Fact]
    public void Apply_ServiceSharedByManyRoutes_SameAsFullTranslation()
    {
        // More routes than the fast path compares by name one by one: it indexes them instead.
        var dir = Directory.CreateTempSubdirectory("konnect-shared-service-").FullName;
        try
        {
            var routes = string.Join("---\n", Enumerable.Range(0, 12).Select(i => Sources.FolderManifests.Route($"r{i:D2}", $"/r{i:D2}")));
            File.WriteAllText(Path.Combine(dir, "app.yaml"), routes + "---\n" + Sources.FolderManifests.Service("s") + "---\n" + Sources.FolderManifests.Slice("s", 8080));
            var before = ManifestSource.LoadPaths([dir]);
            var after = before with { EndpointSlices = Change(before, "add-address") };
            var previous = Translator.Translate(before);

            var fast = EndpointUpdate.Apply(previous, after, EndpointUpdate.ChangedServices(before, after), before);
            var full = Translator.Translate(after);

            Assert.Equal(12, fast.Model.Routes.Count(r => r.Backends[0].Endpoints.Count == 2));
            Assert.Equal(Json(full), Json(fast));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ChangedServices_AddedRemovedChangedAndKeptSlices_NamesTheirServicesOnly()
    {
        static (ObjectRef, EndpointSlice) Slice(string name, string service, string address) =>
            (new ObjectRef("EndpointSlice", "ns", name), new EndpointSlice
            {
                Metadata = new ObjectMeta { Name = name, Namespace = "ns", Labels = new() { [EndpointSlice.ServiceNameLabel] = service } },
                Endpoints = [new Endpoint { Addresses = [address] }],
            });
        var kept = Slice("a-1", "a", "10.0.0.1");
        var changed = Slice("b-1", "b", "10.0.0.2");
        var removed = Slice("c-1", "c", "10.0.0.3");
        var moved = Slice("d-1", "d", "10.0.0.4");
        var before = ResourceSnapshot.Empty with
        {
            EndpointSlices = ImmutableSortedDictionary.CreateRange(new[] { kept, changed, removed, moved }.Select(s => KeyValuePair.Create(s.Item1, s.Item2))),
        };
        var after = before with
        {
            EndpointSlices = before.EndpointSlices
                .SetItem(changed.Item1, Slice("b-1", "b", "10.0.0.9").Item2)
                .Remove(removed.Item1)
                .Add(new ObjectRef("EndpointSlice", "ns", "e-1"), Slice("e-1", "e", "10.0.0.5").Item2)
                // A slice relabelled to another Service changes both Services.
                .SetItem(moved.Item1, Slice("d-1", "f", "10.0.0.4").Item2),
        };

        var services = EndpointUpdate.ChangedServices(before, after);

        Assert.Equal(["b", "c", "d", "e", "f"], services.Select(s => s.Service).Order(StringComparer.Ordinal));
        Assert.All(services, s => Assert.Equal("ns", s.Namespace));
    }

    private static ImmutableSortedDictionary<ObjectRef, EndpointSlice> Change(ResourceSnapshot snapshot, string change)
    {
        var slices = snapshot.EndpointSlices;
        return change switch
        {
            "remove-all" => slices.Clear(),
            "not-ready" => slices.ToImmutableSortedDictionary(s => s.Key, s => s.Value with
            {
                Endpoints = [.. (s.Value.Endpoints ?? []).Select(e => e with { Conditions = new EndpointConditions { Ready = false } })],
            }),
            "add-address" => slices.ToImmutableSortedDictionary(s => s.Key, s => s.Value with
            {
                Endpoints = [.. s.Value.Endpoints ?? [], new Endpoint { Addresses = ["10.99.0.1"] }],
            }),
            _ => snapshot.Services.Aggregate(slices, (acc, service) => acc.SetItem(
                new ObjectRef("EndpointSlice", service.Key.Namespace, service.Key.Name + "-new"),
                new EndpointSlice
                {
                    Metadata = new ObjectMeta { Name = service.Key.Name + "-new", Namespace = service.Key.Namespace, Labels = new() { [EndpointSlice.ServiceNameLabel] = service.Key.Name } },
                    Ports = [.. (service.Value.Spec.Ports ?? []).Select(p => new EndpointPort { Name = p.Name, Port = 9000 + p.Port })],
                    Endpoints = [new Endpoint { Addresses = ["10.88.0.1"] }],
                })),
        };
    }

    private static string Json(TranslationResult result) => JsonSerializer.Serialize(result, ModelJsonContext.Default.TranslationResult);
}
