using System.Collections.Concurrent;

namespace Konnect.Testing.Kubernetes;

public sealed partial class FakeKubeApiServer
{
    // Collection paths ("/apis/GROUP/VERSION/PLURAL") whose CRD is "not installed": every request under them answers 404.
    private readonly ConcurrentDictionary<string, bool> _absent = new();

    /// <summary>Plays a cluster without the CRD behind <paramref name="collectionPath"/> (e.g. cert-manager not installed), or installs it again.</summary>
    public void SetResourceAbsent(string collectionPath, bool absent = true)
    {
        var key = FakeResource.FromCollectionPath(collectionPath).Key;
        if (absent) { _absent[key] = true; } else { _absent.TryRemove(key, out _); }
    }

    private bool IsAbsent(FakeRequestTarget target) => _absent.ContainsKey(target.Resource.Key);
}
