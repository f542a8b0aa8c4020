using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Konnect.Tests.Infrastructure;

namespace Konnect.Tests;

/// <summary>
/// The API-key walk-through end to end in folder mode, with the real binary: a Secret, a consumer that subscribes, a
/// policy that approves it, a route. The key works, a missing or wrong key gets 401, a rotated second key works, and
/// the key appears nowhere: not upstream, not in /config, not in an error body, not in Konnect's own output.
/// </summary>
public sealed class ApiKeyFolderModeTests : IAsyncLifetime
{
    private const string Key = "sk-live-7f3a9c1e5b";
    private const string NextKey = "sk-live-next-0d2e8b";
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-apikey-").FullName;
    private readonly int _traffic = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly int _upstream = Repo.FreePort();
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Process _echo = null!;
    private Process _konnect = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_dir, "api.yaml"), $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: acme-key, namespace: partners }
            stringData: { api-key: "{{Key}}", next: "{{NextKey}}" }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectConsumer
            metadata: { name: acme, namespace: partners }
            spec:
              groups: [partners]
              credentials:
                apiKeys: [{ secretName: acme-key }, { secretName: acme-key, key: next }]
              subscriptions: [{ route: shop/orders }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: keys, namespace: shop }
            spec:
              authentication: { apiKey: { header: x-api-key } }
              authorization: { approvedConsumers: [partners/acme], requireSubscription: true }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders, namespace: shop }
            spec:
              policies: [keys]
              rules:
                - matches: [{ path: { value: /orders } }]
                  backends: [{ url: "http://127.0.0.1:{{_upstream}}" }]
            """);
        _echo = Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{_upstream}", "--name", "orders");
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
    public async Task ApiKey_RightRotatedMissingWrong_AndKeyNeverLeaks()
    {
        var ok = await SendAsync(Key);
        var rotated = await SendAsync(NextKey);
        var missing = await SendAsync(null);
        var wrong = await SendAsync(Key + "x");
        var config = await _http.GetStringAsync($"http://127.0.0.1:{_admin}/config");

        Assert.Equal(200, ok.Status);
        var headers = JsonDocument.Parse(ok.Body).RootElement.GetProperty("headers");
        Assert.Equal("partners/acme", headers.GetProperty("x-konnect-consumer").GetString());
        Assert.False(headers.TryGetProperty("x-api-key", out _), "the key must not reach the upstream");
        Assert.Equal(200, rotated.Status);
        Assert.Equal(401, missing.Status);
        Assert.Equal(401, wrong.Status);
        Assert.DoesNotContain(Key, wrong.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, config, StringComparison.Ordinal);
        Assert.DoesNotContain(NextKey, config, StringComparison.Ordinal);
        string output;
        lock (_output) { output = _output.ToString(); }
        Assert.Contains("KonnectRoute shop/orders", output, StringComparison.Ordinal); // the log was captured at all
        Assert.DoesNotContain(Key, output, StringComparison.Ordinal);
        Assert.DoesNotContain(NextKey, output, StringComparison.Ordinal);
    }

    private async Task<(int Status, string Body)> SendAsync(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_traffic}/orders/1");
        if (key is not null) { request.Headers.Add("x-api-key", key); }
        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
