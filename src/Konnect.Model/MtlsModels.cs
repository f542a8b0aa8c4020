namespace Konnect.Model;

/// <summary>
/// A validated mtls block. <see cref="CaPem"/> is read by the controller from the policy's caSecret; it is not
/// serialised (it came from a Secret), /config shows <see cref="CaVersion"/> instead.
/// </summary>
public sealed record MtlsModel
{
    public required string CaSecret { get; init; }
    [System.Text.Json.Serialization.JsonIgnore]
    public string? CaPem { get; init; }
    /// <summary>A short hash of <see cref="CaPem"/>, so a rotated CA changes the model version.</summary>
    public string? CaVersion { get; init; }
    /// <summary>Lower-case header that carries the verified subject upstream; null when not forwarded.</summary>
    public string? ForwardHeader { get; init; }
}
