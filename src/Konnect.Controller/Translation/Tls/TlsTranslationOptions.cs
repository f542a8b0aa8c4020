namespace Konnect.Controller.Translation.Tls;

/// <summary>Inputs of the translation that come from the command line and the clock rather than from objects.</summary>
public sealed record TlsTranslationOptions
{
    /// <summary>"namespace/name" of a kubernetes.io/tls Secret served when the SNI names no route's host.</summary>
    public string? DefaultCertificate { get; init; }

    /// <summary>When set, certificates outside their validity at this time get a warning in the route's status.
    /// An input like the snapshot, so the translator stays pure; null (golden tests, validate) skips the check.</summary>
    public DateTimeOffset? Now { get; init; }
}
