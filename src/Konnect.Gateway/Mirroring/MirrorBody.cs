namespace Konnect.Gateway.Mirroring;

/// <summary>
/// Set on a request chosen for mirroring, with the body the copy carries (empty for a request without one).
/// A request that was sampled but whose body cannot be copied has no feature and is not mirrored.
/// </summary>
internal sealed class MirrorBody(ReadOnlyMemory<byte> body)
{
    public ReadOnlyMemory<byte> Body { get; } = body;
}
