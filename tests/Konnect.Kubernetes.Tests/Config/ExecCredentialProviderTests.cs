using System.Text.Json.Nodes;
using Konnect.Kubernetes.Config;
using Konnect.Testing.Kubernetes;

namespace Konnect.Kubernetes.Tests.Config;

/// <summary>
/// Kubeconfig exec credential plugins, run for real (shell scripts standing in for aws eks get-token and the like) by
/// a client talking to the fake API server: what the plugin is told, tokens that expire and are renewed, and one
/// clear error for each way a plugin fails.
/// </summary>
public sealed class ExecCredentialProviderTests : IAsyncLifetime
{
    private const string ApiVersion = "client.authentication.k8s.io/v1";
    private readonly string _folder = Directory.CreateTempSubdirectory("konnect-exec-").FullName;
    private FakeKubeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A plugin script; $DIR is this test's folder, where it may leave what it saw.</summary>
    private string Plugin(string body)
    {
        var path = Path.Combine(_folder, "plugin.sh");
        File.WriteAllText(path, $"#!/bin/sh\nDIR='{_folder}'\n{body}\n");
        if (OperatingSystem.IsWindows()) { throw new PlatformNotSupportedException("the plugins are /bin/sh scripts"); }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Prints an ExecCredential with token tok-N (N counts the runs) expiring <paramref name="lifetime"/> seconds from now.</summary>
    private static string Issuing(int? lifetime)
    {
        var expiry = lifetime is { } seconds
            ? $"expiry=',\"expirationTimestamp\":\"'$(date -u -d '+{seconds} seconds' +%Y-%m-%dT%H:%M:%SZ)'\"'"
            : "expiry=''";
        return "n=$(( $(cat \"$DIR/runs\" 2>/dev/null || echo 0) + 1 )); echo $n > \"$DIR/runs\"\n" + expiry + "\n" +
            $"printf '{{\"apiVersion\":\"{ApiVersion}\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"tok-%s\"%s}}}}' \"$n\" \"$expiry\"";
    }

    private KubeConfig Kubeconfig(string command, string extra = "")
    {
        var path = Path.Combine(_folder, "kubeconfig");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            current-context: eks
            clusters: [{ name: eks, cluster: { server: "{{_server.Url.ToString().TrimEnd('/')}}" } }]
            users:
            - name: eks-admin
              user:
                exec: { apiVersion: {{ApiVersion}}, command: "{{command}}", interactiveMode: Never{{extra}} }
            contexts: [{ name: eks, context: { cluster: eks, user: eks-admin } }]
            """);
        return KubeConfigLoader.FromKubeconfig(path);
    }

    private KubeApiClient Client(string command, string extra = "") => new(Kubeconfig(command, extra));

    private Task ListAsync(KubeApiClient client) => client.ListAsync(ResourceTypes.Services, null, new ListOptions(), CancellationToken.None);

    private int Runs => File.Exists(Path.Combine(_folder, "runs")) ? int.Parse(File.ReadAllText(Path.Combine(_folder, "runs")).Trim()) : 0;

    [Fact]
    public async Task Requests_PluginToken_SentAndPluginToldNotInteractiveWithItsArgsAndEnv()
    {
        var command = Plugin($"""
            echo "$KUBERNETES_EXEC_INFO" > "$DIR/info"
            echo "$1 $2 $REGION" > "$DIR/args"
            if read line; then echo "read: $line" > "$DIR/stdin"; else echo eof > "$DIR/stdin"; fi
            {Issuing(null)}
            """);
        using var client = Client(command, ", args: [eks, get-token], env: [{ name: REGION, value: eu-west-1 }]");

        await ListAsync(client);
        await ListAsync(client);

        Assert.Equal(["Bearer tok-1", "Bearer tok-1"], _server.Requests.Select(r => r.Authorization));
        Assert.Equal(1, Runs);
        var info = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "info")))!;
        Assert.Equal(ApiVersion, info["apiVersion"]!.GetValue<string>());
        Assert.Equal("ExecCredential", info["kind"]!.GetValue<string>());
        Assert.False(info["spec"]!["interactive"]!.GetValue<bool>());
        Assert.Equal("eks get-token eu-west-1", File.ReadAllText(Path.Combine(_folder, "args")).Trim());
        // A plugin that would prompt reads end-of-file at once instead of waiting for a person.
        Assert.Equal("eof", File.ReadAllText(Path.Combine(_folder, "stdin")).Trim());
    }

    [Fact]
    public async Task Requests_TokenNearExpiry_PluginRunAgainBeforeItExpires()
    {
        // A 4 s token is renewed after half its life (longer ones 30 s before they expire), so no request carries an expired one.
        using var client = Client(Plugin(Issuing(4)));

        await ListAsync(client);
        await ListAsync(client);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await ListAsync(client);
        await ListAsync(client);

        Assert.Equal(["Bearer tok-1", "Bearer tok-1", "Bearer tok-2", "Bearer tok-2"], _server.Requests.Select(r => r.Authorization));
        Assert.Equal(2, Runs);
    }

    [Theory]
    [InlineData("missing", "runs \"{0}\", which could not be started")]
    [InlineData("echo 'aws: credentials expired, run aws sso login' >&2; exit 3", "runs \"{0}\", which exited with status 3: aws: credentials expired, run aws sso login.")]
    [InlineData("echo 'not json at all'", "runs \"{0}\", which printed something that is not an ExecCredential JSON object (")]
    [InlineData("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}'",
        "runs \"{0}\", which answered with apiVersion \"client.authentication.k8s.io/v1beta1\" where the kubeconfig asks for \"client.authentication.k8s.io/v1\".")]
    [InlineData("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{}}'", "runs \"{0}\", which returned no status.token.")]
    public async Task Requests_PluginFails_OneClearErrorNamingUserAndCommand(string body, string expected)
    {
        var command = body == "missing" ? Path.Combine(_folder, "no-such-plugin") : Plugin(body);
        using var client = Client(command);

        var error = await Assert.ThrowsAsync<KubeApiException>(() => ListAsync(client));

        Assert.Equal("CredentialsUnavailable", error.Reason);
        Assert.StartsWith("LIST /api/v1/services: kubeconfig user \"eks-admin\" " + string.Format(expected, command), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Requests_PluginHangs_StoppedAtTheTimeoutWithAClearError()
    {
        var command = Plugin("echo $$ > \"$DIR/pid\"; sleep 30");
        var config = Kubeconfig(command);
        config.Client.TokenProvider = new ExecCredentialProvider("eks-admin",
            new k8s.KubeConfigModels.ExternalExecution { ApiVersion = ApiVersion, Command = command }, "Never", config.Client, TimeSpan.FromMilliseconds(500));
        using var client = new KubeApiClient(config);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<KubeApiException>(() => ListAsync(client));

        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
        Assert.Equal($"LIST /api/v1/services: kubeconfig user \"eks-admin\" runs \"{command}\", which did not answer within 0.5 s and was stopped.", error.Message);
        var pid = File.ReadAllText(Path.Combine(_folder, "pid")).Trim();
        Assert.False(Directory.Exists($"/proc/{pid}"), "the plugin was left running");
    }
}
