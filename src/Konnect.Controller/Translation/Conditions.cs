using Konnect.Api.Json;
using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Translation;

/// <summary>
/// Builds the conditions the translator emits. Reasons are CamelCase words a user can search for. Most objects carry
/// the same few conditions ("Route is valid", "Serving 1 rule(s)"), so equal conditions are handed out as one shared
/// instance from a bounded table, as <see cref="StringPool"/> does for strings: 30,000 conditions at 10,000 routes were
/// 3 MiB of copies. Shared instances are never mutated: every change to a condition is a <c>with</c> copy.
/// </summary>
internal static class Conditions
{
    private static readonly Condition?[] Slots = new Condition?[1 << 12];

    public static Condition True(string type, string reason, string message, long? generation) => Shared(type, "True", reason, message, generation);

    public static Condition False(string type, string reason, string message, long? generation) => Shared(type, "False", reason, message, generation);

    private static Condition Shared(string type, string status, string reason, string message, long? generation)
    {
        // Messages quote what manifests hold: a CR/LF in a value must not split the log and validate lines they reach.
        message = SafeText.Of(message);
        ref var slot = ref Slots[HashCode.Combine(type, status, reason, message, generation) & (Slots.Length - 1)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && cached.Type == type && cached.Status == status && cached.Reason == reason && cached.Message == message
            && cached.ObservedGeneration == generation && cached.LastTransitionTime is null)
        {
            return cached;
        }
        var created = new Condition { Type = type, Status = status, Reason = reason, Message = StringPool.Get(message), ObservedGeneration = generation };
        Volatile.Write(ref slot, created);
        return created;
    }
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
    public const string InvalidRedirect = "InvalidRedirect";
    public const string InvalidTimeout = "InvalidTimeout";
    public const string InvalidApi = "InvalidApi";
    public const string Conflicted = "Conflicted";

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

    // Deprecated (a route's spec.api lifecycle)
    public const string Published = "Published";
    public const string Deprecated = "Deprecated";
    public const string Retired = "Retired";

    // Documented (a route's spec.api.openapi)
    public const string DocumentRead = "DocumentRead";
    public const string DocumentNotFound = "DocumentNotFound";
    public const string InvalidDocument = "InvalidDocument";
    public const string DocumentTooLarge = "DocumentTooLarge";
    public const string DocumentNotFetched = "DocumentNotFetched";
}
