using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Konnect.Testing.Kubernetes;

namespace Konnect.Kubernetes.Tests;

/// <summary>The fake refuses what a real API server refuses, so a client bug cannot hide behind a lenient fake.</summary>
public sealed class FakeKubeApiServerTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("?limit=1&continue=abc&resourceVersion=5")]
    [InlineData("?resourceVersionMatch=NotOlderThan")]
    public async Task List_OptionsTheRealServerRejects_Returns400Status(string query)
    {
        using var response = await _http.GetAsync(new Uri(_server.Url, "/api/v1/services" + query));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task PatchStatus_PlainJsonContentType_Returns415()
    {
        _server.Put("/api/v1/services", new JsonObject { ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = "a", ["namespace"] = "n" } });
        using var content = new StringContent("{\"status\":{}}", Encoding.UTF8, "application/json");

        using var response = await _http.PatchAsync(new Uri(_server.Url, "/api/v1/namespaces/n/services/a/status"), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public void Put_StatusInMainResource_IgnoredAsWithStatusSubresource()
    {
        var created = _server.Put("/apis/konnect.dev/v1alpha1/konnectroutes", new JsonObject
        {
            ["kind"] = "KonnectRoute",
            ["metadata"] = new JsonObject { ["name"] = "r", ["namespace"] = "n" },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject { ["conditions"] = new JsonArray() },
        });

        Assert.Null(created["status"]);
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<int>());
    }

    [Fact]
    public async Task Version_ReadByTheLibrary_AnswersVersionInfo()
    {
        using var client = new KubeApiClient(_server.CreateClientConfig());

        var version = await client.Kubernetes.Version.GetCodeAsync();

        Assert.Equal("1", version.Major);
        Assert.StartsWith("v1.", version.GitVersion, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestartAsync_AfterStop_RefusedMeanwhileThenSameUrlAndObjects()
    {
        _server.Put("/api/v1/services", new JsonObject { ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = "a", ["namespace"] = "n" } });
        var url = _server.Url;

        await _server.StopAsync();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(new Uri(url, "/version")));
        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
        // Changed while down, as kubectl against another API server replica would.
        _server.Put("/api/v1/services", new JsonObject { ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = "b", ["namespace"] = "n" } });
        await _server.RestartAsync();

        Assert.Equal(url, _server.Url);
        using var response = await _http.GetAsync(new Uri(url, "/api/v1/namespaces/n/services"));
        var items = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]!.AsArray();
        Assert.Equal(["a", "b"], items.Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
    }
}
