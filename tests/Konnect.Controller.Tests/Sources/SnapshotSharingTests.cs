using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Microsoft.Extensions.Logging.Abstractions;
using Konnect.Model;

namespace Konnect.Controller.Tests.Sources;

using static FolderManifests;

/// <summary>Folder mode rebuilds its snapshot from every file; what did not change must stay the same instances.</summary>
public sealed class SnapshotSharingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-sharing-").FullName;
    private readonly ResourceStore _store = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LoadOnceAsync_OnlyAnEndpointSliceChanged_TakesTheEndpointFastPath()
    {
        Write("app.yaml", Route("r", "/r") + "---\n" + Service("s") + "---\n" + OpenApiConfigMap("r-openapi", "3.1.0"));
        Write("slices.yaml", Slice("s", port: 8080));
        using var source = NewSource();
        await source.LoadOnceAsync();
        var before = _store.Current;

        Write("slices.yaml", Slice("s", port: 18080));
        await source.LoadOnceAsync();
        var after = _store.Current;

        Assert.True(EndpointUpdate.OnlyEndpointsChanged(before, after));
        Assert.Same(before.Routes, after.Routes);
        Assert.Same(before.Services, after.Services);
        Assert.Same(before.ConfigMaps, after.ConfigMaps);
        Assert.Equal(18080, Assert.Single(after.EndpointSlices.Values).Ports![0].Port);
    }

    [Fact]
    public async Task LoadOnceAsync_AConfigMapChangedWithASlice_NotTheEndpointFastPath()
    {
        Write("app.yaml", Route("r", "/r") + "---\n" + Service("s"));
        Write("api.yaml", OpenApiConfigMap("r-openapi", "3.0.3") + "---\n" + Slice("s", port: 8080));
        using var source = NewSource();
        await source.LoadOnceAsync();
        var before = _store.Current;

        Write("api.yaml", OpenApiConfigMap("r-openapi", "3.1.0") + "---\n" + Slice("s", port: 18080));
        await source.LoadOnceAsync();
        var after = _store.Current;

        // The fast path re-resolves endpoints only: a document that changed with them would be missed.
        Assert.False(EndpointUpdate.OnlyEndpointsChanged(before, after));
        Assert.Same(before.Routes, after.Routes);
        Assert.Equal("openapi: 3.1.0", Assert.Single(after.ConfigMaps.Values).GetText("openapi.yaml"));
    }

    [Fact]
    public async Task LoadOnceAsync_OneObjectInAFileEdited_TheOthersInItKeepTheirInstances()
    {
        Write("app.yaml", Route("a", "/a") + "---\n" + Route("b", "/b") + "---\n" + Service("s"));
        using var source = NewSource();
        await source.LoadOnceAsync();
        var before = _store.Current;

        Write("app.yaml", Route("a", "/a") + "---\n" + Route("b", "/b-changed") + "---\n" + Service("s"));
        await source.LoadOnceAsync();
        var after = _store.Current;

        Assert.Same(before.Routes[RouteRef("a")], after.Routes[RouteRef("a")]);
        Assert.NotSame(before.Routes[RouteRef("b")], after.Routes[RouteRef("b")]);
        Assert.Equal("/b-changed", after.Routes[RouteRef("b")].Spec.Rules[0].Matches![0].Path!.Value);
        Assert.Same(before.Services, after.Services);
    }

    private ManifestSource NewSource() => new(_dir, _store, TimeProvider.System, NullLogger<ManifestSource>.Instance);

    private void Write(string relative, string text) => File.WriteAllText(Path.Combine(_dir, relative), text);

    private static ObjectRef RouteRef(string name) => new("KonnectRoute", "default", name);
}
