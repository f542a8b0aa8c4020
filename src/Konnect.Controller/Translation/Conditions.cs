using Konnect.Api.Kubernetes;

namespace Konnect.Controller.Translation;

/// <summary>Builds the conditions the translator emits. Reasons are CamelCase words a user can search for.</summary>
internal static class Conditions
{
    public static Condition True(string type, string reason, string message, long? generation) =>
        new() { Type = type, Status = "True", Reason = reason, Message = message, ObservedGeneration = generation };

    public static Condition False(string type, string reason, string message, long? generation) =>
        new() { Type = type, Status = "False", Reason = reason, Message = message, ObservedGeneration = generation };
}

/// <summary>Every reason the translator can give, in one place so docs and tests can list them.</summary>
public static class Reasons
{
    // Accepted
    public const string Accepted = "Accepted";
    public const string InvalidSpec = "InvalidSpec";
    public const string InvalidHost = "InvalidHost";
    public const string InvalidMatch = "InvalidMatch";
    public const string InvalidBackend = "InvalidBackend";
    public const string InvalidRewrite = "InvalidRewrite";
    public const string InvalidTimeout = "InvalidTimeout";
    public const string Conflicted = "Conflicted";
    public const string Unsupported = "Unsupported";

    // ResolvedRefs
    public const string ResolvedRefs = "ResolvedRefs";
    public const string BackendNotFound = "BackendNotFound";
    public const string PortNotFound = "PortNotFound";
    public const string PolicyNotFound = "PolicyNotFound";
    public const string PolicyNotAccepted = "PolicyNotAccepted";
    public const string PolicyNotResolved = "PolicyNotResolved";
    public const string ConsumerNotFound = "ConsumerNotFound";
    public const string SecretNotFound = "SecretNotFound";
    public const string SecretKeyNotFound = "SecretKeyNotFound";
    public const string InvalidKey = "InvalidKey";
    public const string InvalidCertificate = "InvalidCertificate";

    // Programmed
    public const string Programmed = "Programmed";
    public const string NoReadyEndpoints = "NoReadyEndpoints";
    public const string NoWeightedBackends = "NoWeightedBackends";
    public const string UnresolvedRefs = "UnresolvedRefs";
    public const string NotAccepted = "NotAccepted";
}
