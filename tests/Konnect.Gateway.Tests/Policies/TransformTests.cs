using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>requestTransform and responseTransform over real sockets: what the upstream receives and what the client gets.</summary>
public sealed class TransformTests
{
    private static JsonBodyModel Body(long maxSize = 1024 * 1024) => new()
    {
        Set = [new JsonFieldModel("meta.source", "\"gateway\""), new JsonFieldModel("items.0.price", "10"), new JsonFieldModel("flag", "{\"on\":true}")],
        Remove = ["secret", "meta.internal", "absent.field"],
        MaxSize = maxSize,
    };

    private const string Original = """{"id":1,"secret":"s3","meta":{"internal":true,"keep":"k"},"items":[{"price":1},{"price":2}]}""";

    private const string Edited = """{"id":1,"meta":{"keep":"k","source":"gateway"},"items":[{"price":10},{"price":2}],"flag":{"on":true}}""";

    /// <summary>An upstream that echoes what it received: method, path and query, headers, and the body with its Content-Type.</summary>
    private static Task<ScriptedBackend> EchoAsync(string? responseBody = null, string responseType = "application/json", bool chunked = false) =>
        ScriptedBackend.StartAsync(async context =>
        {
            var request = context.Request;
            var received = await new StreamReader(request.Body).ReadToEndAsync();
            context.Response.Headers["x-seen-path"] = request.Path.Value + request.QueryString.Value;
            context.Response.Headers["x-seen-length"] = request.ContentLength?.ToString() ?? "none";
            context.Response.Headers["x-seen-headers"] = string.Join(";", request.Headers.Where(h => h.Key.StartsWith("x-", StringComparison.OrdinalIgnoreCase))
                .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).Select(h => $"{h.Key.ToLowerInvariant()}={h.Value}"));
            context.Response.Headers["x-upstream"] = "one";
            context.Response.Headers["x-internal"] = "hidden";
            context.Response.ContentType = responseType;
            var bytes = Encoding.UTF8.GetBytes(responseBody ?? received);
            if (chunked)
            {
                foreach (var chunk in bytes.Chunk(1000)) { await context.Response.Body.WriteAsync(chunk); await context.Response.Body.FlushAsync(); }
                return;
            }
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes);
        });

    private static async Task<TestGateway> StartAsync(ScriptedBackend backend, TransformModel? request = null, TransformModel? response = null, string? rewrite = null,
        ILoggerProvider? logs = null)
    {
        var gateway = await TestGateway.StartAsync(services: s => { if (logs is not null) { s.AddSingleton(logs); } });
        await gateway.PublishAsync(Routes.Route("t", backend.Url(), Routes.Prefix("/api")) with
        {
            RewritePathPrefix = rewrite,
            Policies = new PoliciesModel { RequestTransform = request, ResponseTransform = response },
        });
        return gateway;
    }

    private static Task<HttpResponseMessage> SendAsync(TestGateway gateway, string path, string? body = null, string contentType = "application/json",
        bool chunked = false, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = chunked
                ? new StreamContent(new ChunkedOnlyStream(Encoding.UTF8.GetBytes(body)))
                : new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in headers) { request.Headers.TryAddWithoutValidation(name, value); }
        return gateway.Traffic.SendAsync(request);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "(none)";

    [Fact]
    public async Task RequestHeaders_SetAddedAndRemoved_BeforeTheUpstream()
    {
        await using var backend = await EchoAsync("{}");
        await using var gateway = await StartAsync(backend, request: new TransformModel
        {
            Policy = "test/t",
            SetHeaders = [new("x-env", "prod")],
            AddHeaders = [new("x-tag", "gateway")],
            RemoveHeaders = ["x-debug"],
        });

        using var response = await SendAsync(gateway, "/api/a", headers: [("x-env", "dev"), ("x-tag", "client"), ("x-debug", "1")]);

        var seen = Header(response, "x-seen-headers");
        Assert.Contains("x-env=prod", seen);
        Assert.DoesNotContain("dev", seen);
        Assert.Matches("x-tag=client, ?gateway(;|$)", seen);
        Assert.DoesNotContain("x-debug", seen);
    }

    [Fact]
    public async Task ResponseHeaders_SetAddedAndRemoved_BeforeTheClient()
    {
        await using var backend = await EchoAsync("{}");
        await using var gateway = await StartAsync(backend, response: new TransformModel
        {
            Policy = "test/t",
            SetHeaders = [new("x-upstream", "two")],
            AddHeaders = [new("x-served-by", "konnect")],
            RemoveHeaders = ["x-internal"],
        });

        using var response = await SendAsync(gateway, "/api/a");

        Assert.Equal("two", Header(response, "x-upstream"));
        Assert.Equal("konnect", Header(response, "x-served-by"));
        Assert.Equal("(none)", Header(response, "x-internal"));
    }

    [Theory]
    [InlineData("/v2/status", null, null, "/api/a/b?keep=1&drop=2", "/v2/status?keep=1&mode=fast")]
    [InlineData(null, "/internal", null, "/api/a?drop=1", "/internal/api/a?mode=fast")]
    [InlineData(null, "/internal", "/v1", "/api/a?mode=slow", "/internal/v1/a?mode=fast")]
    public async Task PathAndQuery_Transformed_ReachTheUpstreamChanged(string? setPath, string? addPrefix, string? rewrite, string path, string expected)
    {
        await using var backend = await EchoAsync("{}");
        await using var gateway = await StartAsync(backend, rewrite: rewrite, request: new TransformModel
        {
            Policy = "test/t",
            SetPath = setPath,
            AddPathPrefix = addPrefix,
            SetQuery = [new("mode", "fast")],
            RemoveQuery = ["drop"],
        });

        using var response = await SendAsync(gateway, path);

        Assert.Equal(expected, Header(response, "x-seen-path"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task JsonRequestBody_FieldsSetAndRemoved_WithACorrectLength(bool chunked)
    {
        await using var backend = await EchoAsync();
        await using var gateway = await StartAsync(backend, request: new TransformModel { Policy = "test/t", JsonBody = Body() });

        using var response = await SendAsync(gateway, "/api/orders", Original, chunked: chunked);
        var received = await response.Content.ReadAsStringAsync();

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Edited), JsonNode.Parse(received)), received);
        Assert.Equal(Encoding.UTF8.GetByteCount(received).ToString(), Header(response, "x-seen-length"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task JsonResponseBody_FieldsSetAndRemoved_WithACorrectLength(bool chunked)
    {
        await using var backend = await EchoAsync(Original, "application/vnd.shop+json; charset=utf-8", chunked);
        await using var gateway = await StartAsync(backend, response: new TransformModel { Policy = "test/t", JsonBody = Body() });

        using var response = await SendAsync(gateway, "/api/orders");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Edited), JsonNode.Parse(body)), body);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("text/plain", Original)]
    [InlineData("application/json", "{\"broken\":")]
    [InlineData("application/json", "\"just a string\"")]
    public async Task Body_NotAJsonObject_PassesUnchanged(string contentType, string body)
    {
        await using var backend = await EchoAsync();
        await using var gateway = await StartAsync(backend, request: new TransformModel { Policy = "test/t", JsonBody = Body() });

        using var response = await SendAsync(gateway, "/api/orders", body, contentType);

        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal(Encoding.UTF8.GetByteCount(body).ToString(), Header(response, "x-seen-length"));
    }

    [Fact]
    public async Task Response_NotJson_PassesUnchanged()
    {
        await using var backend = await EchoAsync(Original, "text/plain");
        await using var gateway = await StartAsync(backend, response: new TransformModel { Policy = "test/t", JsonBody = Body() });

        using var response = await SendAsync(gateway, "/api/orders");

        Assert.Equal(Original, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestBody_LargerThanMaxSize_PassesUnchanged(bool chunked)
    {
        var large = "{\"secret\":\"" + new string('a', 5000) + "\"}";
        await using var backend = await EchoAsync();
        await using var gateway = await StartAsync(backend, request: new TransformModel { Policy = "test/t", JsonBody = Body(maxSize: 1024) });

        using var response = await SendAsync(gateway, "/api/orders", large, chunked: chunked);

        Assert.Equal(large, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ResponseBody_LargerThanMaxSize_PassesUnchanged(bool chunked)
    {
        var large = "{\"secret\":\"" + new string('a', 5000) + "\"}";
        await using var backend = await EchoAsync(large, chunked: chunked);
        await using var gateway = await StartAsync(backend, response: new TransformModel { Policy = "test/t", JsonBody = Body(maxSize: 1024) });

        using var response = await SendAsync(gateway, "/api/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(large, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BodyEdit_Skipped_LoggedWithThePolicyAndTheReason()
    {
        var logs = new ListLogs();
        await using var backend = await EchoAsync("<html/>", "text/html");
        await using var gateway = await StartAsync(backend, request: new TransformModel { Policy = "test/t", JsonBody = Body() },
            response: new TransformModel { Policy = "test/t", JsonBody = Body() }, logs: logs);

        using var response = await SendAsync(gateway, "/api/orders", "a=1", "application/x-www-form-urlencoded");

        Assert.Equal("<html/>", await response.Content.ReadAsStringAsync());
        Assert.Contains(logs.Lines, l => l.Contains("requestTransform.jsonBody of KonnectPolicy test/t skipped: Content-Type application/x-www-form-urlencoded is not JSON", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("responseTransform.jsonBody of KonnectPolicy test/t skipped: Content-Type text/html is not JSON", StringComparison.Ordinal));
    }

    /// <summary>Keeps the formatted messages of Konnect's own log categories.</summary>
    private sealed class ListLogs : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines { get { lock (_lines) { return [.. _lines]; } } }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName.StartsWith("Konnect", StringComparison.Ordinal));

        public void Dispose() { }

        private sealed class Logger(ListLogs owner, bool keep) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => keep;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (keep) { lock (owner._lines) { owner._lines.Add(formatter(state, exception)); } }
            }
        }
    }

    /// <summary>A body of unknown length, so HttpClient sends it chunked.</summary>
    private sealed class ChunkedOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
