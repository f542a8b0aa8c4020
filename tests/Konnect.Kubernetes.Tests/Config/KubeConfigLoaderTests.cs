using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Konnect.Kubernetes.Config;

namespace Konnect.Kubernetes.Tests.Config;

public sealed class KubeConfigLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("konnect-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static (string CertPem, string KeyPem) NewCertificatePem(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private string TwoContexts(string devUser) => Write("config", $"""
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://dev.example.com:6443
            certificate-authority-data: {B64(NewCertificatePem("CN=dev-ca").CertPem)}
        - name: prod-cluster
          cluster:
            server: https://prod.example.com
            insecure-skip-tls-verify: true
        users:
        - name: dev-user
          user:
        {devUser}
        - name: prod-user
          user:
            token: prod-secret-token
        contexts:
        - name: dev
          context: {"{"} cluster: dev-cluster, user: dev-user, namespace: konnect {"}"}
        - name: prod
          context: {"{"} cluster: prod-cluster, user: prod-user {"}"}
        """);

    [Fact]
    public void FromKubeconfig_CurrentContext_ReadsServerCaAndTokenFileRelativeToFile()
    {
        Write("tokens/dev", "dev-token");
        var path = TwoContexts("    tokenFile: tokens/dev");

        var config = KubeConfigLoader.FromKubeconfig(path);

        Assert.Equal(new Uri("https://dev.example.com:6443"), config.Server);
        Assert.Equal("konnect", config.Namespace);
        Assert.Equal("CN=dev-ca", Assert.Single(config.Client.SslCaCerts!).Subject);
        Assert.IsType<k8s.Authentication.TokenFileAuth>(config.Client.TokenProvider);
        Assert.Null(config.Client.AccessToken);
        Assert.False(config.InsecureSkipTlsVerify);
    }

    [Fact]
    public void FromKubeconfig_ExplicitContext_OverridesCurrentAndReadsInsecureFlag()
    {
        var config = KubeConfigLoader.FromKubeconfig(TwoContexts("    token: dev-token"), "prod");

        Assert.Equal(new Uri("https://prod.example.com"), config.Server);
        Assert.True(config.InsecureSkipTlsVerify);
        Assert.Equal("prod-secret-token", config.Client.AccessToken);
        Assert.Null(config.Client.SslCaCerts);
        Assert.DoesNotContain("prod-secret-token", config.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromKubeconfig_ClientCertificateData_LoadsCertificateWithKey()
    {
        var (cert, key) = NewCertificatePem("CN=admin, O=system:masters");
        var path = TwoContexts($"    client-certificate-data: {B64(cert)}\n    client-key-data: {B64(key)}");

        var config = KubeConfigLoader.FromKubeconfig(path);
        using var client = new KubeApiClient(config); // the library loads the certificate and key here

        Assert.Equal(B64(cert), config.Client.ClientCertificateData);
        Assert.Contains("client certificate", config.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", config.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromKubeconfig_ClientCertificateFiles_ResolvedRelativeToFile()
    {
        var (cert, key) = NewCertificatePem("CN=file-user");
        Write("pki/client.crt", cert);
        Write("pki/client.key", key);

        var config = KubeConfigLoader.FromKubeconfig(TwoContexts("    client-certificate: pki/client.crt\n    client-key: pki/client.key"));
        using var client = new KubeApiClient(config);

        Assert.Equal(Path.Combine(_folder, "pki", "client.crt"), config.Client.ClientCertificateFilePath);
        Assert.Equal(Path.Combine(_folder, "pki", "client.key"), config.Client.ClientKeyFilePath);
    }

    [Fact]
    public void FromKubeconfig_ExecPlugin_KonnectRunsItOnFirstUseNotTheLibraryAtLoad()
    {
        // No such command here: had the library run it while loading, this would throw.
        var path = TwoContexts("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: konnect-test-no-such-plugin\n      args: [eks, get-token]");

        var config = KubeConfigLoader.FromKubeconfig(path);

        var plugin = Assert.IsType<ExecCredentialProvider>(config.Client.TokenProvider);
        Assert.Equal("konnect-test-no-such-plugin", plugin.Command);
        Assert.Null(config.Client.AccessToken);
    }

    [Fact]
    public void FromKubeconfig_ExecPluginInteractiveAlways_RefusedWithReason()
    {
        var path = TwoContexts("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin\n      interactiveMode: Always");

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.FromKubeconfig(path));

        Assert.Equal("kubeconfig user \"dev-user\" runs \"kubelogin\" with interactiveMode: Always, but Konnect has no terminal to give it; " +
            "use a plugin or flags that need no prompt (interactiveMode: Never).", error.Message);
    }

    [Fact]
    public void FromKubeconfig_UnknownContext_NamesTheAvailableOnes()
    {
        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.FromKubeconfig(TwoContexts("    token: t"), "staging"));

        Assert.Contains("'staging'", error.Message, StringComparison.Ordinal);
        Assert.Contains("available: dev, prod", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKubeconfig_MissingFile_NamesThePath()
    {
        var path = Path.Combine(_folder, "nope");

        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.FromKubeconfig(path));

        Assert.Equal($"The kubeconfig file {path} does not exist.", error.Message);
    }

    [Fact]
    public void Load_KubeconfigVariableWithSeveralFiles_MergesFirstWins()
    {
        var first = Write("a.yaml", "current-context: dev\ncontexts:\n- name: dev\n  context: { cluster: c, user: u }\n");
        var second = Write("b.yaml", "current-context: other\nclusters:\n- name: c\n  cluster: { server: 'https://merged.example.com' }\nusers:\n- name: u\n  user: { token: t }\n");

        var config = KubeConfigLoader.Load(environment: Env(("KUBECONFIG", $"{first}:{Path.Combine(_folder, "missing")}:{second}")));

        Assert.Equal(new Uri("https://merged.example.com"), config.Server);
        Assert.Equal("t", config.Client.AccessToken);
    }

    [Fact]
    public void Load_InClusterVariables_ReadsServiceAccountFolder()
    {
        var sa = Path.Combine(_folder, "sa");
        Write("sa/token", "pod-token\n");
        Write("sa/ca.crt", NewCertificatePem("CN=kubernetes").CertPem);
        Write("sa/namespace", "konnect-system");

        var config = KubeConfigLoader.Load(environment: Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "443")), serviceAccountFolder: sa);

        Assert.Equal(new Uri("https://10.96.0.1:443"), config.Server);
        Assert.IsType<k8s.Authentication.TokenFileAuth>(config.Client.TokenProvider);
        Assert.Equal("konnect-system", config.Namespace);
        Assert.Equal("CN=kubernetes", Assert.Single(config.Client.SslCaCerts!).Subject);
    }

    [Fact]
    public void InCluster_Ipv6Host_BracketsIt()
    {
        Write("token", "t");
        Write("ca.crt", NewCertificatePem("CN=kubernetes").CertPem);

        var config = KubeConfigLoader.InCluster(_folder, Env(("KUBERNETES_SERVICE_HOST", "fd00::1"), ("KUBERNETES_SERVICE_PORT", "443")));

        Assert.Equal("[fd00::1]", config.Server.Host);
    }

    [Fact]
    public void InCluster_NoTokenFile_NamesTheFile()
    {
        var error = Assert.Throws<KubeConfigException>(() =>
            KubeConfigLoader.InCluster(_folder, Env(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "443"))));

        Assert.Contains(Path.Combine(_folder, "token"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NothingAvailable_NamesEveryMissingPiece()
    {
        var error = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(environment: Env(("HOME", _folder))));

        Assert.Contains("KUBERNETES_SERVICE_HOST", error.Message, StringComparison.Ordinal);
        Assert.Contains("$KUBECONFIG is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_folder, ".kube", "config"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HomeKubeconfig_UsedWhenNothingElse()
    {
        Write(".kube/config", "current-context: x\nclusters:\n- name: c\n  cluster: { server: 'http://127.0.0.1:8080' }\ncontexts:\n- name: x\n  context: { cluster: c }\n");

        var config = KubeConfigLoader.Load(environment: Env(("HOME", _folder)));

        Assert.Equal(new Uri("http://127.0.0.1:8080"), config.Server);
        Assert.Null(config.Client.AccessToken);
    }
}
