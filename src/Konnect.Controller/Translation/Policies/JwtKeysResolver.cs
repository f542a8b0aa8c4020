using System.Security.Cryptography;
using System.Text;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Reads a jwt block's keysSecret from the snapshot (the Secret is in the policy's namespace) and puts its public keys
/// into the model. Without usable keys the block cannot be enforced, so the caller fails the policy closed.
/// </summary>
internal static class JwtKeysResolver
{
    private const string Field = "spec.authentication.jwt.keysSecret";

    /// <returns>The block with <see cref="JwtModel.Keys"/> and <see cref="JwtModel.KeysVersion"/> set, or null with the
    /// problem (reason SecretNotFound, SecretKeyNotFound or InvalidKey; the message never quotes the Secret's content).</returns>
    public static JwtModel? Resolve(JwtModel jwt, JwtKeysSecret source, string ns, ResourceSnapshot snapshot, out (string Reason, string Message) problem)
    {
        problem = default;
        var key = source.Key ?? "jwks.json";
        var problems = new List<(string Reason, string Message)>();
        if (SecretValues.Read(snapshot, ns, source.SecretName, key, Field, problems) is not { } value)
        {
            problem = problems[0];
            return null;
        }
        if (JwtPublicKeys.TryNormalise(value, out var jwks) is { } invalid)
        {
            problem = (Reasons.InvalidKey, $"{Field}: Secret {ns}/{source.SecretName} key {key}: {invalid}");
            return null;
        }
        var version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(jwks!)).AsSpan(0, 8));
        return jwt with { Keys = jwks, KeysVersion = version };
    }
}
