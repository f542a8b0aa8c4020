using Konnect.Testing;

namespace Konnect.Cli.Tests.Commands;

/// <summary>`konnect run`'s switches: a bad value stops the start with the reason, before anything listens.</summary>
public sealed class RunSwitchTests
{
    [Theory]
    [InlineData("--access-log", "maybe", "--access-log (or KONNECT_ACCESS_LOG) takes on or off")]
    [InlineData("--access-log-sample", "1.5", "is not a number from 0 to 1")]
    [InlineData("--metrics", "maybe", "--metrics (or KONNECT_METRICS) takes on or off")]
    [InlineData("--forwarder", "nginx", "'konnect'")]
    public async Task Run_BadAccessLogSwitch_ExitsWithTheReason(string option, string value, string reason)
    {
        var (exit, stdout, stderr) = await Repo.RunAsync("dotnet", Repo.KonnectDll, "run", "--manifests", Path.Combine(Repo.Root, "samples", "quickstart"), "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0", option, value);

        Assert.NotEqual(0, exit);
        Assert.Contains(reason, stdout + stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--redis", "redis://:hunter2-secret@127.0.0.1:6379", "the Redis address holds a password: remove it and set KONNECT_REDIS_PASSWORD instead")]
    [InlineData("--redis", "127.0.0.1:99999", "\"127.0.0.1:99999\" in the Redis address is not host:port")]
    [InlineData("--redis-tls-ca", "/nonexistent/redis-ca.crt", "--redis-tls-ca /nonexistent/redis-ca.crt: no such file")]
    [InlineData("--redis-timeout", "soon", "--redis-timeout: \"soon\" is not a duration")]
    [InlineData("--redis-tls", "maybe", "'maybe'")]
    public async Task Run_BadRedisSetting_ExitsWithTheReasonAndNoPassword(string option, string value, string reason)
    {
        var args = new List<string> { Repo.KonnectDll, "run", "--manifests", Path.Combine(Repo.Root, "samples", "quickstart"), "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0" };
        if (option != "--redis") { args.AddRange(["--redis", "rediss://127.0.0.1:6379"]); }
        args.AddRange([option, value]);

        var (exit, stdout, stderr) = await Repo.RunAsync("dotnet", [.. args]);

        Assert.NotEqual(0, exit);
        Assert.Contains(reason, stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", stdout + stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--publish-service", "konnect", "konnect run: --publish-service: \"konnect\" is not NAMESPACE/NAME\n")]
    [InlineData("--publish-address", "not a host!", "konnect run: --publish-address: \"not a host!\" is neither an IP address nor a host name\n")]
    public async Task Run_BadPublishSetting_ExitsTwoWithTheReason(string option, string value, string reason)
    {
        // Cluster mode (no --manifests): the settings are checked before the kubeconfig is read.
        var (exit, _, stderr) = await Repo.RunAsync("dotnet", Repo.KonnectDll, "run", "--kubeconfig", "/nonexistent/kubeconfig", "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0", option, value);

        Assert.Equal(2, exit);
        Assert.Equal(reason, stderr);
    }

    [Fact]
    public async Task Run_SecondManifestsFolderMissing_ExitsTwoNamingIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "konnect-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var (exit, _, stderr) = await Repo.RunAsync("dotnet", Repo.KonnectDll, "run", "--manifests", Path.Combine(Repo.Root, "samples", "quickstart"), "--manifests", missing, "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0");

        Assert.Equal(2, exit);
        Assert.Equal($"konnect run: --manifests {missing}: no such folder\n", stderr);
    }
}
