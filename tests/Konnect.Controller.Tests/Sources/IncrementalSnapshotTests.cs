using System.Text.Json;
using Konnect.Api.Json;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Konnect.Model;

namespace Konnect.Controller.Tests.Sources;

using static FolderManifests;

/// <summary>
/// Folder mode applies a few edited files to its last snapshot instead of rebuilding from every file. After each edit
/// below, the watched source's snapshot must equal what a fresh source reading the same folder builds from scratch.
/// </summary>
public sealed class IncrementalSnapshotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-incremental-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Edits => new()
    {
        "edit a route", "add a file", "delete a file", "move an object between files", "add an invalid object",
        "add a duplicate", "remove the duplicate's winner", "empty problems file fixed", "two files at once",
        "a route stops decoding", "an object that did not decode is fixed", "edit a ConfigMap", "remove a ConfigMap",
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public async Task LoadOnceAsync_AfterEdit_EqualsAFullRebuild(string edit)
    {
        Write("a.yaml", Route("a1", "/a1") + "---\n" + Route("a2", "/a2") + "---\n" + Service("s"));
        Write("b.yaml", Route("b1", "/b1") + "---\n" + Slice("s", 8080) + "---\n" + OpenApiConfigMap("b-openapi", "3.0.3"));
        Write("c.yaml", Route("c1", "/c1") + "---\napiVersion: v1\nkind: Service\nmetadata: { name: 3bad }\nspec: { ports: nope }\n");
        var store = new ResourceStore();
        using var source = New(store);
        await source.LoadOnceAsync();

        Apply(edit);
        await source.LoadOnceAsync();
        var updated = store.Current;

        Apply(edit == "add a duplicate" ? "remove the duplicate's winner" : "none");
        if (edit == "add a duplicate")
        {
            await source.LoadOnceAsync(); // the conflict settles by file order; what follows it must too
            updated = store.Current;
        }
        var fresh = new ResourceStore();
        using var rebuilt = New(fresh);
        await rebuilt.LoadOnceAsync();

        AssertSame(fresh.Current, updated);
    }

    [Fact]
    public async Task LoadOnceAsync_OneFileEdited_UntouchedKindsKeepTheirCollections()
    {
        Write("a.yaml", Route("a1", "/a1") + "---\n" + Service("s"));
        Write("b.yaml", Slice("s", 8080));
        var store = new ResourceStore();
        using var source = New(store);
        await source.LoadOnceAsync();
        var before = store.Current;

        Write("a.yaml", Route("a1", "/a1-changed") + "---\n" + Service("s"));
        await source.LoadOnceAsync();

        Assert.Same(before.EndpointSlices, store.Current.EndpointSlices);
        Assert.Same(before.Services, store.Current.Services);
        Assert.Equal("/a1-changed", store.Current.Routes.Values.Single().Spec.Rules[0].Matches![0].Path!.Value);
    }

    private void Apply(string edit)
    {
        switch (edit)
        {
            case "none": break;
            case "edit a route": Write("a.yaml", Route("a1", "/a1-new") + "---\n" + Route("a2", "/a2") + "---\n" + Service("s")); break;
            case "add a file": Write("d.yaml", Route("d1", "/d1")); break;
            case "delete a file": File.Delete(Path.Combine(_dir, "b.yaml")); break;
            case "move an object between files":
                Write("a.yaml", Route("a1", "/a1") + "---\n" + Service("s"));
                Write("b.yaml", Route("b1", "/b1") + "---\n" + Slice("s", 8080) + "---\n" + OpenApiConfigMap("b-openapi", "3.0.3") + "---\n" + Route("a2", "/a2"));
                break;
            case "edit a ConfigMap": Write("b.yaml", Route("b1", "/b1") + "---\n" + Slice("s", 8080) + "---\n" + OpenApiConfigMap("b-openapi", "3.1.0")); break;
            case "remove a ConfigMap": Write("b.yaml", Route("b1", "/b1") + "---\n" + Slice("s", 8080)); break;
            case "add an invalid object": Write("d.yaml", "apiVersion: konnect.dev/v1alpha1\nkind: KonnectRoute\nmetadata: { name: broken }\nspec: { rules: 7 }\n"); break;
            case "add a duplicate": Write("0.yaml", Route("b1", "/first-by-file-order")); break;
            case "remove the duplicate's winner": File.Delete(Path.Combine(_dir, "0.yaml")); break;
            case "empty problems file fixed": Write("c.yaml", Route("c1", "/c1")); break;
            case "two files at once":
                Write("a.yaml", Route("a1", "/a1") + "---\n" + Service("s"));
                Write("c.yaml", Route("c1", "/c1-new") + "---\n" + Route("a2", "/a2-moved"));
                break;
            case "a route stops decoding":
                Write("a.yaml", "apiVersion: konnect.dev/v1alpha1\nkind: KonnectRoute\nmetadata: { name: a1 }\nspec: { rules: 7 }\n---\n" + Route("a2", "/a2") + "---\n" + Service("s"));
                break;
            case "an object that did not decode is fixed":
                Write("c.yaml", Route("c1", "/c1") + "---\napiVersion: v1\nkind: Service\nmetadata: { name: 3bad }\nspec: { ports: [{ port: 80 }] }\n");
                break;
            default: throw new ArgumentOutOfRangeException(nameof(edit), edit, null);
        }
        // Same-second rewrites of the same length would keep the stamp: move the clock on, as a real edit does.
        foreach (var file in Directory.GetFiles(_dir)) { File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(++_tick)); }
    }

    private int _tick;

    private static void AssertSame(ResourceSnapshot expected, ResourceSnapshot actual)
    {
        Assert.Equal(Json(expected.Routes), Json(actual.Routes));
        Assert.Equal(Json(expected.Services), Json(actual.Services));
        Assert.Equal(Json(expected.EndpointSlices), Json(actual.EndpointSlices));
        Assert.Equal(expected.Invalid.Keys, actual.Invalid.Keys);
        Assert.Equal(Json(expected.Secrets), Json(actual.Secrets));
        Assert.Equal(Json(expected.ConfigMaps), Json(actual.ConfigMaps));
        Assert.Equal(expected.Problems.Select(p => p.Message), actual.Problems.Select(p => p.Message));
        Assert.Equal(expected.Sources.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"), actual.Sources.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"));
    }

    private static List<string> Json<T>(IEnumerable<KeyValuePair<ObjectRef, T>> objects) where T : class =>
        [.. objects.Select(o => $"{o.Key} {JsonSerializer.Serialize(o.Value, KonnectJsonContext.Default.GetTypeInfo(typeof(T))!)}")];

    private ManifestSource New(ResourceStore store) => new(_dir, store, TimeProvider.System, NullLogger<ManifestSource>.Instance);

    private void Write(string relative, string text) => File.WriteAllText(Path.Combine(_dir, relative), text);
}
