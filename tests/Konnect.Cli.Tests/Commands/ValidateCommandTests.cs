using Konnect.Commands;
using Konnect.Testing;

namespace Konnect.Cli.Tests.Commands;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-validate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_Quickstart_ExitsZeroWithNoProblems()
    {
        var (code, stdout, stderr) = Validate([Path.Combine(Repo.Root, "samples", "quickstart")]);

        Assert.Equal(0, code);
        Assert.Equal("", stdout);
        Assert.Contains("0 error(s)", stderr);
    }

    [Fact]
    public void Run_BrokenManifests_ExitsOneWithOneLinePerProblem()
    {
        File.WriteAllText(Path.Combine(_dir, "routes.yaml"), """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: good }
            spec:
              rules: [{ backends: [{ url: "http://a:80" }] }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: bad-regex, namespace: shop }
            spec:
              rules:
                - matches: [{ path: { type: RegularExpression, value: "(a" } }]
                  backends: [{ url: "http://a:80" }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: bad-weight }
            spec:
              rules: [{ backends: [{ url: "http://a:80", weight: lots }] }]
            """);
        File.WriteAllText(Path.Combine(_dir, "broken.yaml"), "kind: [unclosed\n");

        var (code, stdout, _) = Validate([_dir]);

        Assert.Equal(1, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var broken = Path.Combine(_dir, "broken.yaml");
        var routes = Path.Combine(_dir, "routes.yaml");
        Assert.StartsWith($"{broken}:", lines[0]);
        Assert.StartsWith($"{routes}:8: KonnectRoute shop/bad-regex: InvalidMatch: spec.rules[0].matches[0].path.value:", lines[1]);
        Assert.StartsWith($"{routes}:16: KonnectRoute default/bad-weight: InvalidSpec:", lines[2]);
        Assert.Contains("weight", lines[2]);
    }

    [Fact]
    public void Run_ValueWithLineBreaks_OneLinePerProblemTheBreaksEscaped()
    {
        // Found by issue #22's hostile manifests: a quoted value's CR/LF split the line and could forge one.
        File.WriteAllText(Path.Combine(_dir, "route.yaml"), """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: r }
            spec:
              hosts: ["api.example.com\r\nroute.yaml:1: KonnectRoute default/ok: forged"]
              rules: [{ backends: [{ url: "http://a:80" }] }]
            """);

        var (code, stdout, _) = Validate([_dir]);

        Assert.Equal(1, code);
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"{Path.Combine(_dir, "route.yaml")}:2: KonnectRoute default/r: InvalidHost: spec.hosts[0]: \"api.example.com\\u000d\\u000aroute.yaml:1:", line);
    }

    [Fact]
    public void Run_MissingServiceReference_WarnsButPassesUnlessStrict()
    {
        File.WriteAllText(Path.Combine(_dir, "route.yaml"), """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders }
            spec:
              rules: [{ backends: [{ service: orders, port: 80 }] }]
            """);

        var (lenient, _, lenientErr) = Validate([_dir]);
        var (strict, strictOut, _) = Validate([_dir], strict: true);

        Assert.Equal(0, lenient);
        Assert.Contains("warning: ", lenientErr);
        Assert.Contains("BackendNotFound: rule 0: Service default/orders not found", lenientErr);
        Assert.Equal(1, strict);
        Assert.Contains($"{Path.Combine(_dir, "route.yaml")}:2: KonnectRoute default/orders: BackendNotFound", strictOut);
    }

    [Fact]
    public void Run_PrivateKeyInAJwtKeysSecret_FailsWithoutStrictAndNeverPrintsTheKey()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(Path.Combine(_dir, "policy.yaml"), $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: idp-keys, namespace: shop }
            stringData:
              public.pem: |
            {{string.Join('\n', pem.Split('\n').Select(l => "    " + l))}}
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: tokens, namespace: shop }
            spec:
              authentication:
                jwt: { issuer: "https://idp.example.com/", keysSecret: { secretName: idp-keys, key: public.pem } }
            """);

        var (code, stdout, stderr) = Validate([_dir]);

        Assert.Equal(1, code);
        Assert.Contains("KonnectPolicy shop/tokens: InvalidKey:", stdout);
        Assert.Contains("private key material", stdout);
        var body = pem.Split('\n')[1];
        Assert.DoesNotContain(body, stdout + stderr);
    }

    [Fact]
    public void Run_TlsKeyThatDoesNotMatchItsCertificate_FailsWithoutStrictAndNeverPrintsTheKey()
    {
        var served = Konnect.Testing.Tls.TestCertificate.SelfSigned("api.example.com");
        var other = Konnect.Testing.Tls.TestCertificate.SelfSigned("other.example.com");
        File.WriteAllText(Path.Combine(_dir, "route.yaml"), $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: api-tls, namespace: shop }
            type: kubernetes.io/tls
            stringData:
              tls.crt: |
            {{string.Join('\n', served.CertificatePem.TrimEnd().Split('\n').Select(l => "    " + l))}}
              tls.key: |
            {{string.Join('\n', other.KeyPem.TrimEnd().Split('\n').Select(l => "    " + l))}}
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: api, namespace: shop }
            spec:
              hosts: [api.example.com]
              tls: { secretName: api-tls }
              rules: [{ backends: [{ url: "http://127.0.0.1:9" }] }]
            """);

        var (code, stdout, stderr) = Validate([_dir]);

        Assert.Equal(1, code);
        Assert.Contains("KonnectRoute shop/api: InvalidCertificate: spec.tls.secretName: Secret shop/api-tls: tls.key is not a PEM private key", stdout);
        Assert.DoesNotContain(other.KeyPem.Split('\n')[1], stdout + stderr);
    }

    [Fact]
    public void Run_BadAiBlock_FileLineAndFieldNamedAndMissingSecretWarnedKeyNeverPrinted()
    {
        File.WriteAllText(Path.Combine(_dir, "ai.yaml"), """
            apiVersion: v1
            kind: Secret
            metadata: { name: llm, namespace: ai }
            stringData: { api-key: "sk-do-not-print" }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: llm, namespace: ai }
            spec:
              ai:
                providers: [{ name: openai, type: OpenAI, secretName: llm }]
                models: [{ name: fast, targets: [{ provider: claude }] }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: keyless, namespace: ai }
            spec:
              ai:
                providers: [{ name: openai, type: OpenAI, secretName: missing }]
                models: [{ name: fast, targets: [{ provider: openai }] }]
            """);

        var (code, stdout, stderr) = Validate([_dir]);

        Assert.Equal(1, code);
        var file = Path.Combine(_dir, "ai.yaml");
        Assert.Contains($"{file}:7: KonnectPolicy ai/llm: InvalidSpec: spec.ai.models[0].targets[0].provider: no provider named \"claude\"", stdout);
        // A Secret kept elsewhere (a sealed secret, another repository) is a warning, as for every reference.
        Assert.Contains($"warning: {file}:15: KonnectPolicy ai/keyless: SecretNotFound: spec.ai.providers[0] (openai): Secret ai/missing not found", stderr);
        Assert.DoesNotContain("sk-do-not-print", stdout + stderr);
    }

    [Fact]
    public void Run_AllSamples_ValidWithOtherKindsNoted()
    {
        var (code, stdout, stderr) = Validate([Path.Combine(Repo.Root, "samples")]);

        Assert.Equal(0, code);
        Assert.Equal("", stdout);
        Assert.Contains("note: ", stderr);
        Assert.Contains("ignored kind ClusterRole", stderr);
    }

    [Fact]
    public void Run_MissingPath_ExitsOneNamingIt()
    {
        var (code, _, stderr) = Validate([Path.Combine(_dir, "nope")]);

        Assert.Equal(1, code);
        Assert.Contains("no such file or folder", stderr);
    }

    [Fact]
    public async Task Binary_BrokenManifest_ExitCodeOneAndLineOnStdout()
    {
        File.WriteAllText(Path.Combine(_dir, "r.yaml"), "apiVersion: konnect.dev/v1alpha1\nkind: KonnectRoute\nmetadata: { name: r }\nspec:\n  hosts: [UPPER.example.com]\n  rules: [{ backends: [{ url: \"http://a:80\" }] }]\n");

        var (code, stdout, _) = await Repo.RunAsync("dotnet", Repo.KonnectDll, "validate", _dir);

        Assert.Equal(1, code);
        Assert.Equal($"{Path.Combine(_dir, "r.yaml")}:2: KonnectRoute default/r: InvalidHost: spec.hosts[0]: \"UPPER.example.com\" is not a host name; use lower-case DNS names such as api.example.com or *.example.com\n", stdout);
    }

    [Fact]
    public async Task Binary_HelpAndVersion_Succeed()
    {
        var help = await Repo.RunAsync("dotnet", Repo.KonnectDll, "--help");
        var version = await Repo.RunAsync("dotnet", Repo.KonnectDll, "version");

        Assert.Equal(0, help.ExitCode);
        foreach (var command in new[] { "run", "validate", "crds", "version" }) { Assert.Contains(command, help.Stdout); }
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("konnect ", version.Stdout);
        Assert.Contains("konnect.dev/v1alpha1", version.Stdout);
    }

    private static (int Code, string Stdout, string Stderr) Validate(string[] paths, bool strict = false)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = ValidateCommand.Run(paths, strict, stdout, stderr);
        return (code, stdout.ToString().Replace("\r", ""), stderr.ToString());
    }
}
