using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation;

/// <summary>
/// Reads one value of a Secret in the snapshot. Problems name the Secret and the key, never the value, so they can go
/// straight into a condition.
/// </summary>
internal static class SecretValues
{
    public static byte[]? Read(ResourceSnapshot snapshot, string ns, string secretName, string secretKey, string field, List<(string Reason, string Message)> problems)
    {
        if (!snapshot.Secrets.TryGetValue(new ObjectRef("Secret", ns, secretName), out var secret))
        {
            problems.Add((Reasons.SecretNotFound, $"{field}: Secret {ns}/{secretName} not found"));
            return null;
        }
        if (secret.GetValue(secretKey) is not { Length: > 0 } value)
        {
            problems.Add((Reasons.SecretKeyNotFound, $"{field}: Secret {ns}/{secretName} has no (non-empty) key {secretKey}"));
            return null;
        }
        return value;
    }
}
