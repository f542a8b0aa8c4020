using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Konnect.Testing.Kubernetes;

public sealed partial class FakeKubeApiServer
{
    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        _requests.Enqueue(new FakeKubeRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            NonEmpty(request.Headers.Authorization), context.Connection.ClientCertificate?.Subject,
            NonEmpty(request.Headers.UserAgent), NonEmpty(request.Headers.Accept), request.Protocol));
        if (_forcedResponses.TryDequeue(out var forced))
        {
            if (forced.RetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = forced.RetryAfter;
            }
            await WriteJsonAsync(context, forced.Status["code"]!.GetValue<int>(), forced.Status);
            return;
        }
        if (_options.Authenticate is { } authenticate && !authenticate(NonEmpty(request.Headers.Authorization)))
        {
            await WriteJsonAsync(context, 401, FakeKubeError.Status(401, "Unauthorized", "Unauthorized"));
            return;
        }
        if (!_available)
        {
            await WriteJsonAsync(context, 503, FakeKubeError.Status(503, "ServiceUnavailable", "the fake API server is unavailable (SetAvailable(false))"));
            return;
        }
        if (request.Method == "GET" && request.Path.Value is "/version" or "/version/")
        {
            // What `kubectl version` reads; clients probe it because it is cheap and every identity may read it.
            await WriteJsonAsync(context, 200, VersionInfo());
            return;
        }
        if (!FakeResource.TryParse(request.Path.Value ?? "", out var target) || IsAbsent(target)
            || (target.Resource.ClusterScoped && target.Namespace is not null) || (target.Subresource is "status" && !target.Resource.HasStatus))
        {
            await WriteJsonAsync(context, 404, FakeKubeError.Status(404, "NotFound", "the server could not find the requested resource"));
            return;
        }
        try
        {
            await DispatchAsync(context, target);
        }
        catch (FakeKubeError error)
        {
            if (!context.Response.HasStarted)
            {
                await WriteJsonAsync(context, error.Code, error.ToStatus());
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A bug in the fake: say so in the Status rather than a bare 500.
            await WriteJsonAsync(context, 500, FakeKubeError.Status(500, "InternalError", $"fake API server failure: {ex}"));
        }
    }

    /// <summary>The shape of the real server's version.Info.</summary>
    private static JsonObject VersionInfo() => new()
    {
        ["major"] = "1",
        ["minor"] = "34",
        ["gitVersion"] = "v1.34.0-fake",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.24.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 0 ? null : values.ToString();

    private async Task DispatchAsync(HttpContext context, FakeRequestTarget target)
    {
        var request = context.Request;
        var query = request.Query;
        var (resource, ns, name, sub) = target;
        switch (request.Method)
        {
            case "GET" when name is null && query["watch"] is ["1"] or ["true"]:
                await WatchAsync(context, resource, ns);
                break;
            case "GET" when name is null:
                await WriteJsonAsync(context, 200, List(resource, ns, query));
                break;
            case "GET" when sub is null or "status":
                var found = _store.Get(resource, ns, name!) ?? throw new FakeKubeError(404, "NotFound", $"{resource.DisplayName} \"{name}\" not found");
                await WriteJsonAsync(context, 200, found);
                break;
            case "POST" when name is null:
                await WriteJsonAsync(context, 201, _store.Create(resource, ns, await ReadObjectAsync(request, "application/json")));
                break;
            case "PUT" when name is not null && sub is null:
                await WriteJsonAsync(context, 200, _store.Replace(resource, ns, name, await ReadObjectAsync(request, "application/json")));
                break;
            case "PATCH" when name is not null && sub is "status":
                await WriteJsonAsync(context, 200, _store.PatchStatus(resource, ns, name, await ReadObjectAsync(request, "application/merge-patch+json")));
                break;
            case "PATCH" when name is not null && sub is null:
                await WriteJsonAsync(context, 200, _store.Patch(resource, ns, name, await ReadObjectAsync(request, "application/merge-patch+json")));
                break;
            case "DELETE" when name is not null && sub is null:
                await WriteJsonAsync(context, 200, _store.Delete(resource, ns, name));
                break;
            default:
                throw new FakeKubeError(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({request.Method} {request.Path})");
        }
    }

    private JsonObject List(FakeResource resource, string? ns, IQueryCollection query)
    {
        string resourceVersion = query["resourceVersion"].ToString(), match = query["resourceVersionMatch"].ToString(), token = query["continue"].ToString();
        // The real server's validation of list options; a client that breaks these rules fails against a cluster too.
        if (match.Length > 0 && resourceVersion.Length == 0)
        {
            throw new FakeKubeError(400, "BadRequest", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
        }
        if (token.Length > 0 && match.Length > 0)
        {
            throw new FakeKubeError(400, "BadRequest", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided");
        }
        if (token.Length > 0 && resourceVersion is not ("" or "0"))
        {
            throw new FakeKubeError(400, "BadRequest", "specifying resource version is not allowed when using continue");
        }
        var limit = int.TryParse(query["limit"].ToString(), out var parsed) ? parsed : 0;
        return _store.List(resource, ns, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]), limit, token);
    }

    private async Task WatchAsync(HttpContext context, FakeResource resource, string? ns)
    {
        var query = context.Request.Query;
        var watcher = _store.Watch(resource, ns, query["resourceVersion"].ToString(), LabelSelector.Parse(query["labelSelector"]),
            query["allowWatchBookmarks"] is ["true"] or ["1"], context.Abort);
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync();
            using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            if (int.TryParse(query["timeoutSeconds"].ToString(), out var seconds) && seconds > 0)
            {
                // A clean end of the stream (the last chunk sent) once timeoutSeconds pass, as the real server does.
                end.CancelAfter(TimeSpan.FromSeconds(seconds));
            }
            var lines = watcher.Lines.Reader;
            while (await lines.WaitToReadAsync(end.Token))
            {
                while (lines.TryRead(out var line))
                {
                    await WriteLineAsync(context.Response.Body, line, end.Token);
                }
                await context.Response.Body.FlushAsync(end.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // The client went away or DropWatches aborted the connection.
        }
        finally
        {
            _store.EndWatch(watcher);
        }
    }

    private async Task WriteLineAsync(Stream body, string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        var chunk = _options.WatchWriteChunkBytes ?? 0;
        if (chunk <= 0)
        {
            await body.WriteAsync(bytes, cancellationToken);
            return;
        }
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            await body.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)), cancellationToken);
            await body.FlushAsync(cancellationToken);
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request, string contentType)
    {
        var actual = request.ContentType?.Split(';')[0].Trim() ?? "";
        if (!string.Equals(actual, contentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new FakeKubeError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {contentType} (got '{actual}')");
        }
        try
        {
            return await JsonNode.ParseAsync(request.Body) as JsonObject ?? throw new FakeKubeError(400, "BadRequest", "the body is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new FakeKubeError(400, "BadRequest", $"the body is not valid JSON: {ex.Message}");
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }
}
