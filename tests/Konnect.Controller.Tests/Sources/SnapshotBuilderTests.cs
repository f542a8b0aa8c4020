using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Tests.Sources;

using static FolderManifests;

/// <summary>
/// The incremental folder update takes a changed file's objects out and puts its new ones in. What comes back with the
/// same content must leave its collection the same instance: the reconciler tells an endpoint-only change, and the
/// translator an unchanged route, by reference.
/// </summary>
public sealed class SnapshotBuilderTests
{
    [Fact]
    public void ToSnapshot_FileReadAgainUnchanged_EveryCollectionAndProblemsKeepTheirInstances()
    {
        var before = Build(Route("a", "/a") + "---\n" + Service("s") + "---\n" + Slice("s", 8080));
        var builder = Reread(before, Route("a", "/a") + "---\n" + Service("s") + "---\n" + Slice("s", 8080));

        var after = builder.ToSnapshot(before, [.. before.Problems]);

        Assert.Same(before.Routes, after.Routes);
        Assert.Same(before.Services, after.Services);
        Assert.Same(before.EndpointSlices, after.EndpointSlices);
        Assert.True(before.Problems == after.Problems);
    }

    [Fact]
    public void ToSnapshot_OneObjectChanged_OnlyItsCollectionIsNew_TheOthersInTheFileKeepTheirInstances()
    {
        var before = Build(Route("a", "/a") + "---\n" + Route("b", "/b") + "---\n" + Service("s") + "---\n" + Slice("s", 8080));
        var builder = Reread(before, Route("a", "/a") + "---\n" + Route("b", "/b") + "---\n" + Service("s") + "---\n" + Slice("s", 9090));

        var after = builder.ToSnapshot(before, before.Problems);

        Assert.Same(before.Routes, after.Routes);
        Assert.Same(before.Services, after.Services);
        Assert.NotSame(before.EndpointSlices, after.EndpointSlices);
        Assert.Equal(9090, Assert.Single(after.EndpointSlices.Values).Ports![0].Port);
    }

    [Fact]
    public void ToSnapshot_ObjectGoneFromTheFile_IsRemoved()
    {
        var before = Build(Route("a", "/a") + "---\n" + Route("b", "/b"));
        var builder = Reread(before, Route("a", "/a"));

        var after = builder.ToSnapshot(before, before.Problems);

        Assert.Equal(["a"], after.Routes.Keys.Select(k => k.Name));
        Assert.Same(before.Routes[new ObjectRef("KonnectRoute", "default", "a")], after.Routes.Values.Single());
    }

    private static ResourceSnapshot Build(string text)
    {
        var builder = new SnapshotBuilder(ResourceSnapshot.Empty);
        foreach (var o in ManifestReader.Read("app.yaml", text).Objects) { Assert.True(builder.Add(o.Ref, o.Object)); }
        return builder.ToSnapshot(ResourceSnapshot.Empty, []);
    }

    // What the incremental update does with a re-read file: every object it held out, every object it holds now in.
    private static SnapshotBuilder Reread(ResourceSnapshot before, string text)
    {
        var builder = new SnapshotBuilder(before);
        foreach (var key in before.Routes.Keys.Concat(before.Services.Keys).Concat(before.EndpointSlices.Keys)) { builder.Remove(key); }
        foreach (var o in ManifestReader.Read("app.yaml", text).Objects) { Assert.True(builder.Add(o.Ref, o.Object)); }
        return builder;
    }
}
