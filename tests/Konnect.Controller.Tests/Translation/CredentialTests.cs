using System.Text.Json;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Translation;

namespace Konnect.Controller.Tests.Translation;

/// <summary>Secret values reach the model only as hashes, which /config and status never show.</summary>
public sealed class CredentialTests
{
    private static TranslationResult Translate(string name) =>
        Translator.Translate(ManifestSource.LoadPaths([Path.Combine(TestData.Directory, name + ".in.yaml")]));

    [Fact]
    public void Credentials_Translated_HashedAndNeverSerialised()
    {
        var result = Translate("auth");
        var json = JsonSerializer.Serialize(result, TranslationJsonContext.Default.TranslationResult);

        var acme = result.Model.Consumers.Single(c => c.Name == "acme");
        Assert.Equal(2, acme.ApiKeyHashes.Count);
        Assert.Equal("beta", result.Model.Consumers.Single(c => c.Name == "beta").BasicUsername);
        foreach (var secret in new[] { "acme-key-value-1", "acme-key-value-2", "beta-password-value" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }
        foreach (var hash in acme.ApiKeyHashes) { Assert.DoesNotContain(hash, json, StringComparison.Ordinal); }
        Assert.DoesNotContain("apiKeyHashes", json, StringComparison.Ordinal);
        Assert.DoesNotContain("basicPasswordHash", json, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyRotation_ChangesTheModelVersion()
    {
        var snapshot = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "auth.in.yaml")]);
        var before = Translator.Translate(snapshot).Model.Version;
        var key = snapshot.Secrets.Keys.Single(k => k.Name == "acme-key");
        var rotated = snapshot.Secrets[key] with { StringData = new() { ["api-key"] = "acme-key-value-3", ["next"] = "acme-key-value-2" } };

        var after = Translator.Translate(snapshot with { Secrets = snapshot.Secrets.SetItem(key, rotated) }).Model.Version;

        Assert.NotEqual(before, after);
    }
}
