using System.Text.Json;
using Konnect.Api.Kubernetes;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Controller.Translation.Tls;
using Konnect.Testing.Tls;

namespace Konnect.Controller.Tests.Translation;

/// <summary>spec.tls Secrets in the model: keys never serialised or printed, rotation and validity judged, isolation kept.</summary>
public sealed class TlsTranslationTests
{
    private static ResourceSnapshot Load() => ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "tls.in.yaml")]);

    private static readonly ObjectRef ApiSecret = new("Secret", "shop", "api-tls");

    private static ResourceSnapshot WithApiCertificate(ResourceSnapshot snapshot, TestCertificate certificate) =>
        snapshot with
        {
            Secrets = snapshot.Secrets.SetItem(ApiSecret, snapshot.Secrets[ApiSecret] with
            {
                StringData = new() { ["tls.crt"] = certificate.CertificatePem, ["tls.key"] = certificate.KeyPem },
            }),
        };

    [Fact]
    public void PrivateKeys_AreNeverSerialisedNorPrinted()
    {
        var certificate = TestCertificate.SelfSigned("api.example.com");
        var result = Translator.Translate(WithApiCertificate(Load(), certificate));
        var json = JsonSerializer.Serialize(result, TranslationJsonContext.Default.TranslationResult);
        var printed = result.Model.Tls!.ToString() + string.Join("", result.Model.Tls.Certificates.Select(c => c.ToString()));

        var served = result.Model.Tls.Certificates.Single(c => c.Secret == "shop/api-tls");
        Assert.Equal(certificate.KeyPem, System.Text.Encoding.UTF8.GetString(served.KeyPem));
        var keyBody = certificate.KeyPem.Split('\n')[1];
        foreach (var text in new[] { json, printed })
        {
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            Assert.DoesNotContain(keyBody, text, StringComparison.Ordinal);
        }
        Assert.Contains(served.Fingerprint, json, StringComparison.Ordinal);
    }

    [Fact]
    public void RotatingTheSecret_ChangesTheModelVersionAndFingerprint()
    {
        var first = Translator.Translate(WithApiCertificate(Load(), TestCertificate.SelfSigned("api.example.com")));
        var second = Translator.Translate(WithApiCertificate(Load(), TestCertificate.SelfSigned("api.example.com")));

        Assert.NotEqual(first.Model.Version, second.Model.Version);
        Assert.NotEqual(first.Model.Tls!.Certificates[0].Fingerprint, second.Model.Tls!.Certificates[0].Fingerprint);
    }

    [Fact]
    public void ExpiredCertificate_IsServedWithAWarning()
    {
        var snapshot = WithApiCertificate(Load(), TestCertificate.Expired("api.example.com"));

        var result = Translator.Translate(snapshot, null, new TlsTranslationOptions { Now = DateTimeOffset.UtcNow });

        Assert.Contains(result.Model.Tls!.Certificates, c => c.Secret == "shop/api-tls" && c.Hosts.SequenceEqual(["api.example.com"]));
        var accepted = Condition(result, "api", "Accepted");
        Assert.Equal("True", accepted.Status);
        Assert.Contains("the certificate in Secret shop/api-tls expired at", accepted.Message, StringComparison.Ordinal);
        Assert.Equal("True", Condition(result, "api", "ResolvedRefs").Status);
    }

    [Fact]
    public void DefaultCertificate_FromOptions_IsInTheModel_AndAMissingOneIsReported()
    {
        var found = Translator.Translate(Load(), null, new TlsTranslationOptions { DefaultCertificate = "shop/wildcard-tls" });
        var missing = Translator.Translate(Load(), null, new TlsTranslationOptions { DefaultCertificate = "konnect/nope" });

        Assert.Equal("shop/wildcard-tls", found.Model.Tls!.DefaultCertificate?.Secret);
        Assert.Null(missing.Model.Tls!.DefaultCertificate);
        Assert.Equal("default certificate: Secret konnect/nope not found", missing.Model.Tls.DefaultCertificateProblem);
    }

    [Fact]
    public void BrokenSecret_LeavesOtherRoutesAndCertificatesExactlyAsWithoutIt()
    {
        var snapshot = Load();
        var broken = snapshot.Secrets[ApiSecret] with { StringData = new() { ["tls.crt"] = "garbage", ["tls.key"] = "garbage" } };

        var result = Translator.Translate(snapshot with { Secrets = snapshot.Secrets.SetItem(ApiSecret, broken) });

        Assert.Equal("InvalidCertificate", Condition(result, "api", "ResolvedRefs").Reason);
        Assert.Equal(["shop/wildcard-tls"], result.Model.Tls!.Certificates.Select(c => c.Secret));
        Assert.Equal("True", Condition(result, "wildcard", "ResolvedRefs").Status);
        // The route itself keeps serving plain HTTP.
        Assert.Contains(result.Model.Routes, r => r.Route == "api" && r.Unavailable is null);
    }

    private static Condition Condition(TranslationResult result, string route, string type) =>
        result.Statuses.Single(s => s.Object.Kind == "KonnectRoute" && s.Object.Name == route).Conditions.Single(c => c.Type == type);
}
