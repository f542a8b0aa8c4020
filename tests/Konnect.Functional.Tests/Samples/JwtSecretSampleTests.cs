using System.Net;
using System.Text.Json;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Testing;

namespace Konnect.Functional.Tests.Samples;

/// <summary>
/// samples/auth/jwt-secret.yaml followed as its header says: the real binary in folder mode, tokens minted by the
/// sample's own script (bash + openssl, RS256 with the demo key), verified against the PEM public key in the Secret.
/// </summary>
public sealed class JwtSecretSampleTests : IAsyncLifetime
{
    private static readonly string Sample = Path.Combine(Repo.Root, "samples", "auth", "jwt-secret.yaml");
    private static readonly string Mint = Path.Combine(Repo.Root, "samples", "auth", "demo-jwt", "mint-token.sh");

    private readonly FolderModeHost _host = new("konnect-jwt-secret-");

    public async Task InitializeAsync()
    {
        var text = await File.ReadAllTextAsync(Sample);
        Assert.Contains("http://127.0.0.1:9101", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(_host.Dir, "jwt-secret.yaml"), text.Replace("http://127.0.0.1:9101", $"http://127.0.0.1:{_host.Upstream}", StringComparison.Ordinal));
        await _host.StartAsync("demo");
    }

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

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

        using var json = JsonDocument.Parse(await _host.Http.GetStringAsync($"http://127.0.0.1:{_host.Admin}/status"));
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
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_host.Traffic}/demo/hello");
        if (token is not null) { request.Headers.Authorization = new("Bearer", token); }
        using var response = await _host.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private string Output() => _host.Output;
}
