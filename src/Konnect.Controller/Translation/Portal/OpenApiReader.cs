using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Controller.Sources;
using Konnect.Model;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Konnect.Controller.Translation.Portal;

/// <summary>The outcome of reading one OpenAPI document: the portal's model of it, or why there is none.</summary>
internal sealed record OpenApiReadResult(ApiDocumentModel? Document, string? Reason, string? Problem);

/// <summary>
/// Reads an OpenAPI document (2.0, 3.0 or 3.1, JSON or YAML) into the <see cref="ApiDocumentModel"/> the portal shows.
/// The OpenAPI Initiative's library parses and resolves the document; YAML goes through Konnect's own YamlJson first,
/// so a hostile document meets the same depth, node and alias limits as a manifest. External $refs are never fetched.
/// </summary>
internal static class OpenApiReader
{
    /// <summary>The largest document read, in UTF-8 bytes: a ConfigMap's own limit, so one that fits a ConfigMap fits here.</summary>
    public const int MaxBytes = ApiDocumentFetcher.MaxBytes;

    /// <summary>Operations shown per document; the portal says how many more there are.</summary>
    public const int MaxOperations = 500;

    /// <summary>Parameters shown per operation.</summary>
    public const int MaxParameters = 100;

    private static readonly Uri Location = new("https://document.invalid/openapi");

    public static OpenApiReadResult Read(string text)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > MaxBytes)
        {
            return Fail(Reasons.DocumentTooLarge, $"the document is {bytes:N0} bytes; at most {MaxBytes:N0} are read");
        }
        JsonNode? root;
        try
        {
            root = Tree(text);
        }
        catch (Exception ex) when (ex is JsonException or ManifestSyntaxException)
        {
            return Fail(Reasons.InvalidDocument, $"not JSON or YAML: {SafeText.Of(ex.Message, 200)}");
        }
        if (root is not JsonObject obj || (!obj.ContainsKey("openapi") && !obj.ContainsKey("swagger")))
        {
            return Fail(Reasons.InvalidDocument, "not an OpenAPI document: it has no 'openapi' (or 'swagger') field at the top");
        }

        ReadResult read;
        try
        {
            read = new OpenApiJsonReader().Read(obj, Location, new OpenApiReaderSettings { LoadExternalRefs = false });
        }
#pragma warning disable CA1031 // as below: nothing a document holds may fail the translator
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Fail(Reasons.InvalidDocument, SafeText.Of(ex.Message, 200));
        }
        var errors = read.Diagnostic?.Errors ?? [];
        if (errors.Count > 0 || read.Document is null)
        {
            var first = errors.FirstOrDefault();
            var where = string.IsNullOrEmpty(first?.Pointer) ? "" : $" at {SafeText.Of(first.Pointer, 120)}";
            return Fail(Reasons.InvalidDocument, $"{SafeText.Of(first?.Message ?? "the document could not be read", 200)}{where}"
                + (errors.Count > 1 ? $" (and {errors.Count - 1} more problems)" : ""));
        }

        try
        {
            return new OpenApiReadResult(Model(read.Document, Digest(text)), null, null);
        }
#pragma warning disable CA1031 // Whatever a document makes the library throw (a $ref cycle, a broken $ref deep inside) must
        // not escape: the translator would fail every pass, for every namespace. The API is listed without operations.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Fail(Reasons.InvalidDocument, $"the document's operations could not be read: {SafeText.Of(ex.Message, 200)}");
        }
    }

    private static OpenApiReadResult Fail(string reason, string problem) => new(null, reason, problem);

    private static JsonNode? Tree(string text)
    {
        var start = text.AsSpan().TrimStart();
        if (start.Length > 0 && start[0] == '{')
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = YamlJson.MaxDepth });
        }
        var documents = YamlJson.Parse(text);
        return documents.Count switch
        {
            0 => null,
            1 => documents[0].Root,
            _ => throw new ManifestSyntaxException(documents[1].Line, 1, "the text holds more than one YAML document; an OpenAPI document is one"),
        };
    }

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 8));

    private static ApiDocumentModel Model(OpenApiDocument document, string digest)
    {
        var outline = new SchemaOutline();
        var operations = new List<ApiOperationModel>();
        var total = 0;
        foreach (var (path, item) in document.Paths ?? [])
        {
            if (item?.Operations is null) { continue; }
            foreach (var (method, operation) in item.Operations.OrderBy(o => MethodOrder(o.Key.Method)))
            {
                if (++total > MaxOperations) { continue; }
                operations.Add(Operation(outline, path, method.Method.ToUpperInvariant(), operation, item.Parameters));
            }
        }
        return new ApiDocumentModel
        {
            Digest = digest,
            Title = Text(document.Info?.Title, 200),
            Version = Text(document.Info?.Version, 64),
            Description = Text(document.Info?.Description, 4096),
            Operations = operations,
            OperationsOmitted = Math.Max(0, total - MaxOperations),
        };
    }

    private static ApiOperationModel Operation(SchemaOutline outline, string path, string method, OpenApiOperation operation, IList<IOpenApiParameter>? shared)
    {
        // Path-level parameters apply to every operation unless the operation redefines one (same name and location).
        // Both lists are cut first: a document can hold thousands, and each one read may resolve a $ref.
        var parameters = (operation.Parameters ?? []).Where(p => p is not null).Take(MaxParameters).ToList();
        var seen = parameters.Select(p => (p.Name, p.In)).ToHashSet();
        foreach (var parameter in (shared ?? []).Take(MaxParameters))
        {
            if (parameters.Count >= MaxParameters) { break; }
            if (parameter is not null && seen.Add((parameter.Name, parameter.In))) { parameters.Add(parameter); }
        }
        return new ApiOperationModel
        {
            Method = method,
            Path = Text(path, 2048) ?? "/",
            OperationId = Text(operation.OperationId, 200),
            Summary = Text(operation.Summary, 300),
            Description = Text(operation.Description, 4096),
            Deprecated = operation.Deprecated,
            Tags = [.. (operation.Tags ?? new HashSet<OpenApiTagReference>()).Select(t => Text(t.Name, 64)).OfType<string>()],
            Parameters = [.. parameters.Select(p => new ApiParameterModel(
                Text(p.Name, 200) ?? "", p.In?.ToString().ToLowerInvariant() ?? "query", p.Required, outline.Line(p.Schema), Text(p.Description, 1000)))],
            RequestBody = operation.RequestBody is { } body && First(body.Content) is var (bodyType, bodyMedia)
                ? new ApiBodyModel(bodyType, body.Required, outline.Tree(bodyMedia?.Schema))
                : null,
            Responses = [.. (operation.Responses ?? []).Take(30).Select(r => First(r.Value?.Content) is var (type, media)
                ? new ApiResponseModel(Text(r.Key, 16) ?? "", Text(r.Value?.Description, 1000), type, outline.Tree(media?.Schema))
                : new ApiResponseModel(Text(r.Key, 16) ?? "", Text(r.Value?.Description, 1000), null, null))],
        };
    }

    private static (string, IOpenApiMediaType?)? First(IDictionary<string, IOpenApiMediaType>? content) =>
        content is { Count: > 0 } ? content.Select(c => ((string, IOpenApiMediaType?)?)(Text(c.Key, 128) ?? "", c.Value)).First() : null;

    private static int MethodOrder(string method) => method.ToUpperInvariant() switch
    {
        "GET" => 0, "POST" => 1, "PUT" => 2, "PATCH" => 3, "DELETE" => 4, _ => 5,
    };

    /// <summary>The document's text, cut to a bound; control characters other than line breaks become spaces.</summary>
    internal static string? Text(string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value)) { return null; }
        // Cut before a high surrogate rather than through its pair.
        var at = value.Length > max && char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        var cut = value.Length > max ? value[..at] + "…" : value;
        return cut.Any(c => char.IsControl(c) && c is not '\n' and not '\t')
            ? new string([.. cut.Select(c => char.IsControl(c) && c is not '\n' and not '\t' ? ' ' : c)])
            : cut;
    }
}
