using System.Text.Json;
using Konnect.Functional.Tests.Infrastructure;

namespace Konnect.Functional.Tests.FolderMode;

/// <summary>
/// The API-key walk-through end to end in folder mode, with the real binary: a Secret, a consumer that subscribes, a
/// policy that approves it, a route. The key works, a missing or wrong key gets 401, a rotated second key works, and
/// the key appears nowhere: not upstream, not in /config, not in an error body, not in Konnect's own output.
/// </summary>
public sealed class ApiKeyFolderModeTests : IAsyncLifetime
{
    private const string Key = "sk-live-7f3a9c1e5b";
    private const string NextKey = "sk-live-next-0d2e8b";
    private readonly FolderModeHost _host = new("konnect-apikey-");

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_host.Dir, "api.yaml"), $$"""
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
                  backends: [{ url: "http://127.0.0.1:{{_host.Upstream}}" }]
            """);
        await _host.StartAsync("orders");
    }

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    [Fact]
    public async Task ApiKey_RightRotatedMissingWrong_AndKeyNeverLeaks()
    {
        var ok = await SendAsync(Key);
        var rotated = await SendAsync(NextKey);
        var missing = await SendAsync(null);
        var wrong = await SendAsync(Key + "x");
        var config = await _host.Http.GetStringAsync($"http://127.0.0.1:{_host.Admin}/config");

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
        output = _host.Output;
        Assert.Contains("KonnectRoute shop/orders", output, StringComparison.Ordinal); // the log was captured at all
        Assert.DoesNotContain(Key, output, StringComparison.Ordinal);
        Assert.DoesNotContain(NextKey, output, StringComparison.Ordinal);
    }

    private async Task<(int Status, string Body)> SendAsync(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_host.Traffic}/orders/1");
        if (key is not null) { request.Headers.Add("x-api-key", key); }
        using var response = await _host.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
