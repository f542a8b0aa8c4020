using Konnect.Model;

namespace Konnect.Gateway.Mirroring;

/// <summary>
/// Set on a request chosen for mirroring: the mirrors it was sampled for and the body their copies carry (empty for a
/// request without one). A request that was sampled but whose body cannot be copied has no feature and is not mirrored.
/// </summary>
internal sealed class MirrorBody(ReadOnlyMemory<byte> body, IReadOnlyList<MirrorModel> mirrors)
{
    public ReadOnlyMemory<byte> Body { get; } = body;

    public IReadOnlyList<MirrorModel> Mirrors { get; } = mirrors;
}
