using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Konnect.Testing;
using Konnect.Testing.Jwt;
using Microsoft.IdentityModel.Tokens;

namespace Konnect.Functional.Tests.FolderMode;

/// <summary>
/// The real binary in folder mode with every log category Konnect owns at Debug, one route taking an API key (header
/// or query), basic and a JWT. Right and wrong credentials of each kind are sent; then no credential may appear in
/// Konnect's captured output, /config, /status, any error body, or what the upstream received.
/// </summary>
public sealed class SecretLeakTests : IAsyncLifetime
{
    private const string Issuer = "https://idp.leak.test";
    private const string ApiKey = "ak-live-3f9e2c71d8a4";
    private const string WrongApiKey = "ak-wrong-5b1d9e0c7a";
    private const string Username = "vault-user";
    private const string Password = "pw-Tr0ub4dor-3x9";
    private const string WrongPassword = "pw-wrong-8d7c6b5a";

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-leak-").FullName;
    private readonly int _traffic = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly int _upstream = Repo.FreePort();
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TestKey _key = TestKey.NewRsa("leak-rsa-1");
    private TestJwks _jwks = null!;
    private Process _echo = null!;
    private Process _konnect = null!;

    public async Task InitializeAsync()
    {
        _jwks = await TestJwks.StartAsync(_key);
        File.WriteAllText(Path.Combine(_dir, "vault.yaml"), $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: vault-credentials, namespace: partners }
            stringData: { api-key: "{{ApiKey}}", username: "{{Username}}", password: "{{Password}}" }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectConsumer
            metadata: { name: acme, namespace: partners }
            spec:
              credentials:
                apiKeys: [{ secretName: vault-credentials }]
                basic: { secretName: vault-credentials }
                jwt: { issuer: "{{Issuer}}", subject: acme-client }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: every-method, namespace: shop }
            spec:
              authentication:
                apiKey: { header: x-api-key, query: apikey }
                basic: { realm: vault }
                jwt: { issuer: "{{Issuer}}", jwksUri: "{{_jwks.Url}}", audiences: [konnect-api] }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: vault, namespace: shop }
            spec:
              policies: [every-method]
              rules:
                - matches: [{ path: { value: /vault } }]
                  backends: [{ url: "http://127.0.0.1:{{_upstream}}" }]
            """);
        _echo = Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{_upstream}", "--name", "vault");
        _konnect = Repo.StartDotnet(Repo.KonnectDll, _output, new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Debug" },
            "run", "--manifests", _dir, "--listen", $"http://127.0.0.1:{_traffic}", "--admin-listen", $"http://127.0.0.1:{_admin}");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_admin}/readyz")).IsSuccessStatusCode, "konnect ready");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_upstream}/")).IsSuccessStatusCode, "echo ready");
    }

    public async Task DisposeAsync()
    {
        Repo.Stop(_konnect, _echo);
        await _jwks.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Credentials_RightAndWrongOfEveryKind_NeverInOutputConfigStatusErrorsOrUpstream()
    {
        var token = _key.Sign(Issuer, "acme-client");
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("acme-client", "root-client", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";
        var forged = TestKey.NewRsa("leak-rsa-1").Sign(Issuer, "acme-client");
        var expired = _key.Sign(Issuer, "acme-client", expiresIn: TimeSpan.FromMinutes(-10));
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));
        var wrongBasic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{WrongPassword}"));

        (string What, int Expected, Func<Task<(int Status, string Body)>> Send)[] requests =
        [
            ("key header", 200, () => SendAsync("/vault", ("x-api-key", ApiKey))),
            ("wrong key header", 401, () => SendAsync("/vault", ("x-api-key", WrongApiKey))),
            ("key query", 200, () => SendAsync($"/vault?a=1&apikey={ApiKey}&b=2")),
            ("wrong key query", 401, () => SendAsync($"/vault?apikey={WrongApiKey}")),
            ("basic", 200, () => SendAsync("/vault", ("Authorization", "Basic " + basic))),
            ("wrong basic", 401, () => SendAsync("/vault", ("Authorization", "Basic " + wrongBasic))),
            ("bearer", 200, () => SendAsync("/vault", ("Authorization", "Bearer " + token))),
            ("tampered bearer", 401, () => SendAsync("/vault", ("Authorization", "Bearer " + tampered))),
            ("forged bearer", 401, () => SendAsync("/vault", ("Authorization", "Bearer " + forged))),
            ("expired bearer", 401, () => SendAsync("/vault", ("Authorization", "Bearer " + expired))),
            ("token in the query", 401, () => SendAsync($"/vault?access_token={token}")),
        ];
        var bodies = new List<string>();
        foreach (var (what, expected, send) in requests)
        {
            var (status, body) = await send();
            Assert.True(expected == status, $"{what}: expected {expected}, got {status}: {body}");
            if (status == 200)
            {
                // What the upstream received: it names the consumer and carries no credential header or parameter.
                var echo = JsonDocument.Parse(body).RootElement;
                Assert.Equal("partners/acme", echo.GetProperty("headers").GetProperty("x-konnect-consumer").GetString());
                Assert.False(echo.GetProperty("headers").TryGetProperty("x-api-key", out _), what);
                Assert.False(echo.GetProperty("headers").TryGetProperty("authorization", out _), what);
                Assert.DoesNotContain("apikey", echo.GetProperty("query").GetString()!, StringComparison.OrdinalIgnoreCase);
            }
            else
            {
                Assert.Contains("/unauthorized", body, StringComparison.Ordinal);
            }
            bodies.Add(body);
        }
        var config = await _http.GetStringAsync($"http://127.0.0.1:{_admin}/config");
        var statuses = await _http.GetStringAsync($"http://127.0.0.1:{_admin}/status");
        var output = await OutputAfterAllRequestsAsync(requests.Length);

        // The places looked at hold what they should: a check that finds nothing in an empty string proves nothing.
        Assert.Contains("every-method", config, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"acme\"", statuses, StringComparison.Ordinal);
        Assert.Contains("dbug:", output, StringComparison.Ordinal);
        Assert.Contains("KonnectRoute shop/vault", output, StringComparison.Ordinal);
        Assert.Equal(requests.Length, AccessLogLines(output)); // the access log (on by default) is searched too

        string[] secrets =
        [
            ApiKey, WrongApiKey, Password, WrongPassword, basic, wrongBasic,
            .. new[] { token, tampered, forged, expired }.SelectMany(t => t.Split('.').Prepend(t)).Where(p => p.Length > 0),
        ];
        var places = new List<(string Where, string Text)> { ("/config", config), ("/status", statuses), ("konnect's stdout+stderr", output) };
        places.AddRange(bodies.Select((b, i) => ($"the response to '{requests[i].What}'", b)));
        foreach (var (where, text) in places)
        {
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a credential ({secret[..6]}...) appears in {where}");
            }
        }
    }

    private async Task<(int Status, string Body)> SendAsync(string pathAndQuery, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_traffic}{pathAndQuery}");
        foreach (var (name, value) in headers)
        {
            if (name == "Authorization") { request.Headers.Authorization = AuthenticationHeaderValue.Parse(value); }
            else { request.Headers.Add(name, value); }
        }
        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Konnect's output once everything the requests could have logged is written: the console logger writes in order,
    /// so a reload logged after the requests is a barrier behind which nothing from them can still be queued.
    /// </summary>
    private static int AccessLogLines(string output) =>
        output.Split('\n').Count(l => l.StartsWith('{') && l.Contains("\"path\":\"/vault\"", StringComparison.Ordinal) && l.Contains("\"requestId\"", StringComparison.Ordinal));

    private async Task<string> OutputAfterAllRequestsAsync(int expectedRequests)
    {
        File.WriteAllText(Path.Combine(_dir, "barrier.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: { name: barrier, namespace: shop }\n");
        string Output() { lock (_output) { return _output.ToString(); } }
        await Repo.EventuallyAsync(() => Task.FromResult(Output().Contains("from 2 files", StringComparison.Ordinal)), "the reload after the requests is logged");
        // The access log has its own writer: wait for one line per request, so it is part of what is searched.
        await Repo.EventuallyAsync(() => Task.FromResult(AccessLogLines(Output()) >= expectedRequests), $"{expectedRequests} access-log lines for /vault");
        return Output();
    }
}
