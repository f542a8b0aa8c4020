using System.Collections.Immutable;
using System.Text.Json;
using Konnect.Api.Kubernetes;
using Konnect.Model;
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
            foreach (var change in new[] { "remove-all", "not-ready", "add-address", "new-slice", "relabel" }) { data.Add(name, change); }
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
        // With the previous snapshot the endpoint index is derived from the changed slices alone; without it, it is
        // built from every slice. An index is kept per slices instance, so each of the others gets its own copy.
        var derived = EndpointUpdate.Apply(previous, after, EndpointUpdate.ChangedServices(before, after), before);
        var copy = after with { EndpointSlices = ImmutableSortedDictionary.CreateRange(after.EndpointSlices.KeyComparer, after.EndpointSlices.ToArray()) };
        var fast = EndpointUpdate.Apply(previous, copy, EndpointUpdate.ChangedServices(before, copy));
        var full = Translator.Translate(after with { EndpointSlices = ImmutableSortedDictionary.CreateRange(after.EndpointSlices.KeyComparer, after.EndpointSlices.ToArray()) });

        Assert.Equal(Json(full), Json(derived));

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
    public void OnlyEndpointsChanged_ConfigMapChanged_False()
    {
        var before = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "service-backend.in.yaml")]);
        var document = new ConfigMap { Metadata = new ObjectMeta { Namespace = "default", Name = "openapi" }, Data = new() { ["openapi.yaml"] = "openapi: 3.1.0" } };
        var after = before with { EndpointSlices = Change(before, "remove-all"), ConfigMaps = before.ConfigMaps.Add(ObjectRef.Of(document), document) };

        Assert.False(EndpointUpdate.OnlyEndpointsChanged(before, after));
    }

    [Theory]
    [InlineData("move")]
    [InlineData("replace")]
    [InlineData("add")]
    public void Apply_SlicesMovedBetweenServices_DerivedIndexSameAsFullTranslation(string change)
    {
        // Two Services in one namespace, a route each: the derived index must take a slice out of one Service's list
        // and into another's, not only re-read a Service whose slices changed in place.
        var dir = Directory.CreateTempSubdirectory("konnect-moved-slice-").FullName;
        try
        {
            var yaml = string.Join("---\n",
                Sources.FolderManifests.Route("ra", "/a").Replace("service: s", "service: a", StringComparison.Ordinal),
                Sources.FolderManifests.Route("rb", "/b").Replace("service: s", "service: b", StringComparison.Ordinal),
                Sources.FolderManifests.Service("a"), Sources.FolderManifests.Service("b"),
                Sources.FolderManifests.Slice("a", 8080), Sources.FolderManifests.Slice("b", 8081).Replace("10.0.0.1", "10.0.0.2", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(dir, "app.yaml"), yaml);
            var before = ManifestSource.LoadPaths([dir]);
            var previous = Translator.Translate(before);
            var a = before.EndpointSlices.Single(s => s.Key.Name == "a-1");
            var slices = change switch
            {
                "move" => before.EndpointSlices.SetItem(a.Key, a.Value with { Metadata = a.Value.Metadata with { Labels = new() { [EndpointSlice.ServiceNameLabel] = "b" } } }),
                "replace" => before.EndpointSlices.Remove(a.Key).Add(a.Key with { Name = "a-2" }, a.Value with { Metadata = a.Value.Metadata with { Name = "a-2" },
                    Endpoints = [new Endpoint { Addresses = ["10.0.0.9"] }] }),
                _ => before.EndpointSlices.Add(a.Key with { Name = "b-2" }, a.Value with { Metadata = a.Value.Metadata with { Name = "b-2", Labels = new() { [EndpointSlice.ServiceNameLabel] = "b" } } }),
            };
            var after = before with { EndpointSlices = slices };

            var derived = EndpointUpdate.Apply(previous, after, EndpointUpdate.ChangedServices(before, after), before);
            var full = Translator.Translate(after with { EndpointSlices = ImmutableSortedDictionary.CreateRange(after.EndpointSlices.KeyComparer, after.EndpointSlices.ToArray()) });

            Assert.Equal(Json(full), Json(derived));
            var expectedB = change switch { "move" or "add" => 2, _ => 1 };
            Assert.Equal(expectedB, derived.Model.Routes.Single(r => r.Route == "rb").Backends[0].Endpoints.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
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
            // Every slice moves to the next Service of its namespace: out of one Service's list, into another's.
            "relabel" => slices.ToImmutableSortedDictionary(s => s.Key, s => s.Value with
            {
                Metadata = s.Value.Metadata with { Labels = new() { [EndpointSlice.ServiceNameLabel] = NextService(snapshot, s.Key.Namespace, EndpointIndexLabel(s.Value)) } },
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

    private static string EndpointIndexLabel(EndpointSlice slice) => slice.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel) ?? "";

    private static string NextService(ResourceSnapshot snapshot, string ns, string service)
    {
        var names = snapshot.Services.Keys.Where(k => k.Namespace == ns).Select(k => k.Name).Order(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? service : names[(names.IndexOf(service) + 1) % names.Count];
    }

    private static string Json(TranslationResult result) => JsonSerializer.Serialize(result, TranslationJsonContext.Default.TranslationResult);
}
