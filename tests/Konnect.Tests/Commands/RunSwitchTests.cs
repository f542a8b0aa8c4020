using Konnect.Tests.Infrastructure;

namespace Konnect.Tests.Commands;

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

    [Fact]
    public async Task Run_SecondManifestsFolderMissing_ExitsTwoNamingIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "konnect-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var (exit, _, stderr) = await Repo.RunAsync("dotnet", Repo.KonnectDll, "run", "--manifests", Path.Combine(Repo.Root, "samples", "quickstart"), "--manifests", missing, "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0");

        Assert.Equal(2, exit);
        Assert.Equal($"konnect run: --manifests {missing}: no such folder\n", stderr);
    }
}
