using System.Text.Json;
using Konnect.Api.Kubernetes;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Testing.Tls;

namespace Konnect.Controller.Tests.Translation;

/// <summary>backends[].tls.clientCertificateSecret: the pair reaches the model, its key never the JSON, a log or a status.</summary>
public sealed class UpstreamClientCertificateTests
{
    private static readonly ObjectRef ApiRoute = new("KonnectRoute", "shop", "api");
    private static readonly ObjectRef ClientSecret = new("Secret", "shop", "upstream-client");

    /// <summary>tls.in.yaml with route api's backend presenting Secret upstream-client, holding <paramref name="data"/> (none: absent).</summary>
    private static ResourceSnapshot Snapshot(Dictionary<string, string>? data)
    {
        var snapshot = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "tls.in.yaml")]);
        snapshot.Routes[ApiRoute].Spec.Rules[0].Backends![0].Tls!.ClientCertificateSecret = ClientSecret.Name;
        if (data is null) { return snapshot; }
        var template = snapshot.Secrets[new ObjectRef("Secret", "shop", "api-tls")];
        var secret = template with { Metadata = template.Metadata with { Name = ClientSecret.Name }, Data = null, StringData = data };
        return snapshot with { Secrets = snapshot.Secrets.SetItem(ClientSecret, secret) };
    }

    [Fact]
    public void ClientCertificate_InTheModel_KeyNeverSerialisedNorPrinted()
    {
        var client = TestCertificate.Authority("Upstream CA").IssueClient("konnect-gateway");
        var result = Translator.Translate(Snapshot(new() { ["tls.crt"] = client.CertificatePem, ["tls.key"] = client.KeyPem }));

        var tls = result.Model.Routes.Single(r => r.Route == "api").Backends!.Single().Tls!;
        Assert.Equal(client.KeyPem, tls.ClientKeyPem);
        Assert.Equal(client.CertificatePem, tls.ClientCertificatePem);
        Assert.StartsWith("Secret shop/upstream-client sha256:", tls.ClientCertificate, StringComparison.Ordinal);
        var json = JsonSerializer.Serialize(result, TranslationJsonContext.Default.TranslationResult);
        var keyBody = client.KeyPem.Split('\n')[1];
        foreach (var text in new[] { json, tls.ToString() })
        {
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            Assert.DoesNotContain(keyBody, text, StringComparison.Ordinal);
        }
        Assert.Contains(tls.ClientCertificate!, json, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingSecret_BackendUnresolved_SecretNotFound()
    {
        var result = Translator.Translate(Snapshot(null));

        var resolved = Condition(result, "ResolvedRefs");
        Assert.Equal("SecretNotFound", resolved.Reason);
        Assert.Contains("tls.clientCertificateSecret: Secret shop/upstream-client not found", resolved.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenKey_InvalidCertificate_NeverQuotingTheKey()
    {
        var client = TestCertificate.Authority("Upstream CA").IssueClient("konnect-gateway");
        var other = TestCertificate.SelfSigned("someone.else");
        var result = Translator.Translate(Snapshot(new() { ["tls.crt"] = client.CertificatePem, ["tls.key"] = other.KeyPem }));

        var resolved = Condition(result, "ResolvedRefs");
        Assert.Equal("InvalidCertificate", resolved.Reason);
        var json = JsonSerializer.Serialize(result, TranslationJsonContext.Default.TranslationResult);
        Assert.DoesNotContain(other.KeyPem.Split('\n')[1], json, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", json, StringComparison.Ordinal);
    }

    private static Condition Condition(TranslationResult result, string type) =>
        result.Statuses.Single(s => s.Object.Kind == "KonnectRoute" && s.Object.Name == "api").Conditions.Single(c => c.Type == type);
}
