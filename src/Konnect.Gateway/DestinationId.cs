using System.Globalization;

namespace Konnect.Gateway;

/// <summary>
/// The id of a YARP destination Konnect builds: "b{backend}/{address}", the backend's position among its rule's
/// backends and one of that backend's endpoints. YARP keeps destination ids as strings; this is the one place that
/// writes and reads that form, for the stages that trace a destination back to its backend (metrics labels, circuit
/// breakers per backend, load balancing among one backend's endpoints).
/// </summary>
public readonly record struct DestinationId(int Backend, string Address)
{
    // Backend tags of the first few backends, so tagging a request allocates nothing.
    private static readonly string[] Tags = [.. Enumerable.Range(0, 16).Select(i => "b" + i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>"b{backend}/{address}".</summary>
    public override string ToString() => $"{BackendTag(Backend)}/{Address}";

    /// <summary>Reads an id written by <see cref="ToString"/>; false for any other string.</summary>
    public static bool TryParse(string? id, out DestinationId destination)
    {
        destination = default;
        if (id is null || !TryParseBackend(id, out var backend)) { return false; }
        destination = new DestinationId(backend, id[(id.IndexOf('/', StringComparison.Ordinal) + 1)..]);
        return true;
    }

    /// <summary>The backend index of an id, without allocating (request paths read it).</summary>
    public static bool TryParseBackend(ReadOnlySpan<char> id, out int backend)
    {
        var slash = id.IndexOf('/');
        backend = -1;
        return slash > 0 && TryParseBackendTag(id[..slash], out backend);
    }

    /// <summary>"b{backend}": the id's backend part, which names a backend of the rule without naming an endpoint.</summary>
    public static string BackendTag(int backend) =>
        (uint)backend < (uint)Tags.Length ? Tags[backend] : "b" + backend.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a tag written by <see cref="BackendTag"/>.</summary>
    public static bool TryParseBackendTag(ReadOnlySpan<char> tag, out int backend)
    {
        backend = -1;
        return tag.Length > 1 && tag[0] == 'b'
            && int.TryParse(tag[1..], NumberStyles.None, CultureInfo.InvariantCulture, out backend);
    }
}
