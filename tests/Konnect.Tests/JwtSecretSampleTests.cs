using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Konnect.Tests.Infrastructure;

namespace Konnect.Tests;

/// <summary>
/// samples/auth/jwt-secret.yaml followed as its header says: the real binary in folder mode, tokens minted by the
/// sample's own script (bash + openssl, RS256 with the demo key), verified against the PEM public key in the Secret.
/// </summary>
public sealed class JwtSecretSampleTests : IAsyncLifetime
{
    private static readonly string Sample = Path.Combine(Repo.Root, "samples", "auth", "jwt-secret.yaml");
    private static readonly string Mint = Path.Combine(Repo.Root, "samples", "auth", "demo-jwt", "mint-token.sh");

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-jwt-secret-").FullName;
    private readonly int _traffic = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly int _upstream = Repo.FreePort();
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Process _echo = null!;
    private Process _konnect = null!;

    public async Task InitializeAsync()
    {
        var text = await File.ReadAllTextAsync(Sample);
        Assert.Contains("http://127.0.0.1:9101", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(_dir, "jwt-secret.yaml"), text.Replace("http://127.0.0.1:9101", $"http://127.0.0.1:{_upstream}", StringComparison.Ordinal));
        _echo = Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{_upstream}", "--name", "demo");
        _konnect = Repo.StartDotnet(Repo.KonnectDll, _output, "run", "--manifests", _dir,
            "--listen", $"http://127.0.0.1:{_traffic}", "--admin-listen", $"http://127.0.0.1:{_admin}");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_admin}/readyz")).IsSuccessStatusCode, "konnect ready");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_upstream}/")).IsSuccessStatusCode, "echo ready");
    }

    public Task DisposeAsync()
    {
        Repo.Stop(_konnect, _echo);
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task MintedToken_Passes_WrongScope403_NoToken401_ForgedSignature401()
    {
        var token = await MintAsync();
        var (status, body) = await GetAsync(token);
        Assert.True(status == HttpStatusCode.OK, $"expected 200, got {status}: {body}\n{Output()}");
        var echo = JsonDocument.Parse(body).RootElement;
        Assert.Equal("/hello", echo.GetProperty("path").GetString());
        Assert.Equal("demo/demo-client", echo.GetProperty("headers").GetProperty("x-konnect-consumer").GetString());
        Assert.False(echo.GetProperty("headers").TryGetProperty("authorization", out _));

        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(await MintAsync("demo-client", "other:scope"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(await MintAsync("someone-else"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(null)).Status);
        var parts = token.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}";
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(forged)).Status);

        using var json = JsonDocument.Parse(await _http.GetStringAsync($"http://127.0.0.1:{_admin}/status"));
        var policy = json.RootElement.EnumerateArray().Single(s => s.GetProperty("object").GetProperty("name").GetString() == "demo-tokens");
        Assert.All(policy.GetProperty("conditions").EnumerateArray(), c => Assert.Equal("True", c.GetProperty("status").GetString()));
    }

    private static async Task<string> MintAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Repo.RunAsync(Mint, args);
        Assert.True(exit == 0, $"mint-token.sh exited {exit}: {stderr}");
        var token = stdout.Trim();
        Assert.Equal(3, token.Split('.').Length);
        return token;
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_traffic}/demo/hello");
        if (token is not null) { request.Headers.Authorization = new("Bearer", token); }
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private string Output() { lock (_output) { return _output.ToString(); } }
}
