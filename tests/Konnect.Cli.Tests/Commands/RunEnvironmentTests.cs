using System.Text;
using Konnect.Commands;
using Konnect.Testing;

namespace Konnect.Cli.Tests.Commands;

/// <summary>
/// The real `konnect` process and its environment: a bad variable stops it like a bad flag (exit 2, the variable
/// named, no stack trace, no credential echoed), a flag beats a variable, and `run --help` shows every variable.
/// </summary>
public sealed class RunEnvironmentTests
{
    private const string Password = "hunter2-secret";

    [Theory]
    [InlineData("KONNECT_FORWARDER", "nginx", "KONNECT_FORWARDER: \"nginx\" is not konnect or yarp")]
    [InlineData("KONNECT_REDIS_TIMEOUT", "soon", "KONNECT_REDIS_TIMEOUT: \"soon\" is not a duration such as 1s or 500ms")]
    [InlineData("KONNECT_ACCESS_LOG", "maybe", "KONNECT_ACCESS_LOG: \"maybe\" is not on or off")]
    [InlineData("KONNECT_HTTPS_REDIRECT_PORT", "https", "KONNECT_HTTPS_REDIRECT_PORT: \"https\" is not a port number (1-65535)")]
    public async Task Run_BadVariable_ExitsTwoNamingItWithoutStackTraceOrPassword(string variable, string value, string error)
    {
        var (exit, stdout, stderr) = await RunAsync(new() { [variable] = value, ["KONNECT_REDIS_PASSWORD"] = Password }, QuickstartArgs());

        Assert.Equal(KonnectCommand.UsageError, exit);
        Assert.StartsWith(error + "\n", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadFlag_ExitsTwoAsABadVariableDoes()
    {
        var (exit, _, stderr) = await RunAsync(new(), [.. QuickstartArgs(), "--lease-duration", "soon"]);

        Assert.Equal(KonnectCommand.UsageError, exit);
        Assert.StartsWith("--lease-duration: \"soon\" is not a duration such as 1s or 500ms\n", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AdminListenFromFlagVariableOrNeither_FlagThenVariable()
    {
        var fromVariable = Repo.FreePort();
        var fromFlag = Repo.FreePort();
        // The variable's port, and a bad forwarder the flag overrides: the flag wins without the variable being read.
        var environment = new Dictionary<string, string> { ["KONNECT_ADMIN_LISTEN"] = $"http://127.0.0.1:{fromVariable}", ["KONNECT_FORWARDER"] = "nginx" };

        await using (var konnect = Start(environment, "--admin-listen", $"http://127.0.0.1:{fromFlag}", "--forwarder", "yarp"))
        {
            await konnect.WaitHealthyAsync(fromFlag);
            Assert.False(await konnect.AnswersAsync(fromVariable), "the variable's admin port answers although the flag was given");
        }

        environment.Remove("KONNECT_FORWARDER");
        await using (var konnect = Start(environment))
        {
            await konnect.WaitHealthyAsync(fromVariable);
        }
    }

    [Fact]
    public async Task RunHelp_ShowsEveryVariableAndTheDeclaredDefaultsNeverTheEnvironments()
    {
        var (exit, stdout, _) = await RunAsync(
            new() { ["KONNECT_REDIS"] = $"redis://:{Password}@10.0.0.1:6379", ["KONNECT_LISTEN"] = "http://127.0.0.1:1" }, "run", "--help");

        Assert.Equal(0, exit);
        foreach (var setting in new KonnectCommand(_ => null).Run.Options.OfType<ISetting>())
        {
            if (setting.Variable is { } variable) { Assert.Contains($"[env: {variable}", stdout, StringComparison.Ordinal); }
        }
        Assert.Contains("[env: KONNECT_LISTEN, comma-separated] [default: http://0.0.0.0:8080]", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:1", stdout, StringComparison.Ordinal);
    }

    private static string[] QuickstartArgs() =>
        ["run", "--manifests", Path.Combine(Repo.Root, "samples", "quickstart"), "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0"];

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        var info = Repo.StartInfo("dotnet", [Repo.KonnectDll, .. args]);
        info.Environment["KONNECT_LISTEN_TLS"] = "https://127.0.0.1:0";
        foreach (var (name, value) in environment) { info.Environment[name] = value; }
        return Repo.RunAsync(info, TimeSpan.FromSeconds(60));
    }

    private static RunningKonnect Start(Dictionary<string, string> environment, params string[] args)
    {
        var output = new StringBuilder();
        var process = Repo.StartDotnet(Repo.KonnectDll, output, environment,
            ["run", "--manifests", Path.Combine(Repo.Root, "samples", "quickstart"), "--listen", "http://127.0.0.1:0", .. args]);
        return new RunningKonnect(process, output);
    }

    private sealed class RunningKonnect(System.Diagnostics.Process process, StringBuilder output) : IAsyncDisposable
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

        public async Task WaitHealthyAsync(int adminPort)
        {
            try
            {
                await Repo.EventuallyAsync(() => AnswersAsync(adminPort), $"konnect's admin port {adminPort}");
            }
            catch (TimeoutException e)
            {
                lock (output) { throw new TimeoutException(e.Message + "\n" + output, e); }
            }
        }

        public async Task<bool> AnswersAsync(int adminPort)
        {
            try
            {
                return (await _http.GetAsync($"http://127.0.0.1:{adminPort}/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        public ValueTask DisposeAsync()
        {
            Repo.Stop(process);
            _http.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
