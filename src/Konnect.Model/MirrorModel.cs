namespace Konnect.Model;

/// <summary>A rule's request mirror: the backend copies go to and the share of requests copied.</summary>
public sealed record MirrorModel
{
    /// <summary>The mirror backend with its ready endpoints (possibly none: then nothing is copied).</summary>
    public required BackendModel Backend { get; init; }

    /// <summary>0 to 100.</summary>
    public required int Percent { get; init; }
}
