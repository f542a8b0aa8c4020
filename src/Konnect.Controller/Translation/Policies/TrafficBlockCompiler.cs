using System.Text.RegularExpressions;
using Konnect.Api;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Validates and normalises cache, requestTransform and responseTransform. Like <see cref="PolicyBlockCompiler"/>, the
/// first problem is returned as "spec.field: what is wrong", and nothing relies on the API server's schema check.
/// </summary>
internal static partial class TrafficBlockCompiler
{
    // What a header field value may hold that every hop sends as is: HTAB, SP and visible ASCII (RFC 9110 5.5).
    private static readonly System.Buffers.SearchValues<char> FieldValueChars =
        System.Buffers.SearchValues.Create(['\t', .. Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c)]);

    private const long DefaultMaxBody = 1024 * 1024;

    // Headers the gateway or HTTP itself owns: identity headers would let a policy impersonate a consumer, and framing
    // headers are recomputed by the proxy (a wrong Content-Length corrupts the connection).
    private static readonly string[] ReservedHeaders = ["content-length", "transfer-encoding", "connection", "upgrade", "keep-alive", "te", "trailer"];

    public static string? TryCompileCache(string policy, CachePolicy block, out CacheModel? model)
    {
        model = null;
        if (!Duration.TryParse(block.Ttl, out var ttl)) { return $"spec.cache.ttl: \"{block.Ttl}\" is not a duration such as 30s or 5m"; }
        if (ttl < TimeSpan.FromSeconds(1)) { return $"spec.cache.ttl: \"{block.Ttl}\" is shorter than 1s"; }
        if (Size(block.MaxBodySize, "spec.cache.maxBodySize", out var maxBody) is { } e1) { return e1; }
        var vary = new List<string>();
        for (var i = 0; i < (block.VaryBy?.Count ?? 0); i++)
        {
            var name = block.VaryBy![i];
            if (!HeaderName().IsMatch(name)) { return $"spec.cache.varyBy[{i}]: \"{name}\" is not a header name"; }
            vary.Add(name.ToLowerInvariant());
        }
        model = new CacheModel
        {
            Policy = policy,
            Ttl = ttl,
            MaxBodySize = maxBody,
            CacheSetCookie = block.CacheSetCookie,
            VaryBy = vary.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
        };
        return null;
    }

    public static string? TryCompileRequestTransform(string policy, RequestTransformPolicy block, out TransformModel? model)
    {
        model = null;
        const string field = "spec.requestTransform";
        if (Headers(block.Headers, field, request: true, out var set, out var add, out var remove) is { } e1) { return e1; }
        if (block.Path?.Set is { } path && !ValidPath(path)) { return $"{field}.path.set: \"{path}\" must start with / and hold no ?, # or spaces"; }
        if (block.Path?.AddPrefix is { } prefix && (!ValidPath(prefix) || prefix.Length < 2 || prefix.EndsWith('/')))
        {
            return $"{field}.path.addPrefix: \"{prefix}\" must start with /, hold no ?, # or spaces and not end with /";
        }
        var setQuery = new List<HeaderValueModel>();
        for (var i = 0; i < (block.Query?.Set?.Count ?? 0); i++)
        {
            var parameter = block.Query!.Set![i];
            if (parameter.Name.Length == 0) { return $"{field}.query.set[{i}].name: must not be empty"; }
            setQuery.Add(new HeaderValueModel(parameter.Name, parameter.Value));
        }
        var removeQuery = block.Query?.Remove ?? [];
        if (removeQuery.FindIndex(n => n.Length == 0) is var empty and >= 0) { return $"{field}.query.remove[{empty}]: must not be empty"; }
        if (JsonBody(block.JsonBody, field, out var body) is { } e2) { return e2; }
        model = new TransformModel
        {
            Policy = policy,
            SetHeaders = set, AddHeaders = add, RemoveHeaders = remove,
            SetPath = block.Path?.Set,
            AddPathPrefix = block.Path?.Set is null ? block.Path?.AddPrefix : null,
            SetQuery = setQuery,
            RemoveQuery = removeQuery.Distinct(StringComparer.Ordinal).ToArray(),
            JsonBody = body,
        };
        return null;
    }

    public static string? TryCompileResponseTransform(string policy, ResponseTransformPolicy block, out TransformModel? model)
    {
        model = null;
        const string field = "spec.responseTransform";
        if (Headers(block.Headers, field, request: false, out var set, out var add, out var remove) is { } e1) { return e1; }
        if (JsonBody(block.JsonBody, field, out var body) is { } e2) { return e2; }
        model = new TransformModel { Policy = policy, SetHeaders = set, AddHeaders = add, RemoveHeaders = remove, JsonBody = body };
        return null;
    }

    private static string? Headers(HeaderTransform? block, string field, bool request,
        out HeaderValueModel[] set, out HeaderValueModel[] add, out string[] remove)
    {
        set = []; add = []; remove = [];
        if (block is null) { return null; }
        if (Entries(block.Set, $"{field}.headers.set", request, out set) is { } e1) { return e1; }
        if (Entries(block.Add, $"{field}.headers.add", request, out add) is { } e2) { return e2; }
        var names = new List<string>();
        for (var i = 0; i < (block.Remove?.Count ?? 0); i++)
        {
            if (Reserved(block.Remove![i], $"{field}.headers.remove[{i}]", request) is { } e3) { return e3; }
            names.Add(block.Remove[i].ToLowerInvariant());
        }
        remove = names.Distinct(StringComparer.Ordinal).ToArray();
        return null;
    }

    private static string? Entries(List<HeaderEntry>? entries, string field, bool request, out HeaderValueModel[] result)
    {
        result = [];
        if (entries is null) { return null; }
        var list = new List<HeaderValueModel>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (Reserved(entries[i].Name, $"{field}[{i}].name", request) is { } e) { return e; }
            // CR or LF in a value would split the header: refuse rather than let a policy inject headers.
            if (entries[i].Value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) { return $"{field}[{i}].value: must not contain line breaks"; }
            // Other control characters reach the upstream as they are (and some servers split on them); bytes beyond
            // ASCII make the request fail with 502 (HttpClient sends ASCII only) or the answer with 500 (so does Kestrel).
            if (entries[i].Value.AsSpan().ContainsAnyExcept(FieldValueChars))
            {
                return $"{field}[{i}].value: must be printable ASCII, spaces and tabs (no control characters, nothing beyond ASCII): a header field carries nothing else";
            }
            list.Add(new HeaderValueModel(entries[i].Name.ToLowerInvariant(), entries[i].Value));
        }
        result = [.. list];
        return null;
    }

    private static string? Reserved(string name, string field, bool request)
    {
        if (!HeaderName().IsMatch(name)) { return $"{field}: \"{name}\" is not a header name"; }
        var lower = name.ToLowerInvariant();
        if (request && lower.StartsWith("x-konnect-consumer", StringComparison.Ordinal))
        {
            return $"{field}: \"{name}\" is an identity header only the gateway's authentication sets; a transform cannot set, add or remove it";
        }
        if (ReservedHeaders.Contains(lower))
        {
            return $"{field}: \"{name}\" frames the HTTP message and is managed by the proxy; a transform cannot change it";
        }
        return null;
    }

    private static string? JsonBody(JsonBodyTransform? block, string field, out JsonBodyModel? model)
    {
        model = null;
        if (block is null) { return null; }
        if (Size(block.MaxSize, $"{field}.jsonBody.maxSize", out var maxSize) is { } e1) { return e1; }
        var set = new List<JsonFieldModel>();
        for (var i = 0; i < (block.Set?.Count ?? 0); i++)
        {
            var entry = block.Set![i];
            if (!FieldPath().IsMatch(entry.Path)) { return $"{field}.jsonBody.set[{i}].path: \"{entry.Path}\" is not a dotted path such as meta.source"; }
            set.Add(new JsonFieldModel(entry.Path, entry.Value?.ToJsonString() ?? "null"));
        }
        for (var i = 0; i < (block.Remove?.Count ?? 0); i++)
        {
            if (!FieldPath().IsMatch(block.Remove![i])) { return $"{field}.jsonBody.remove[{i}]: \"{block.Remove[i]}\" is not a dotted path such as meta.internal"; }
        }
        if (set.Count == 0 && (block.Remove?.Count ?? 0) == 0) { return $"{field}.jsonBody: set or remove at least one field"; }
        model = new JsonBodyModel { Set = set, Remove = block.Remove?.ToArray() ?? [], MaxSize = maxSize };
        return null;
    }

    private static string? Size(string? text, string field, out long bytes)
    {
        bytes = DefaultMaxBody;
        if (text is null) { return null; }
        if (!ByteSize.TryParse(text, out bytes) || bytes < 1) { return $"{field}: \"{text}\" is not a size such as 512Ki or 1Mi"; }
        if (bytes > 64L * 1024 * 1024) { return $"{field}: \"{text}\" is larger than 64Mi"; }
        return null;
    }

    private static bool ValidPath(string path) => path.StartsWith('/') && path.AsSpan().IndexOfAny("?# \t\r\n") < 0;

    [GeneratedRegex(IpAccessPolicy.HeaderNamePattern)]
    private static partial Regex HeaderName();

    [GeneratedRegex(JsonBodyTransform.FieldPathPattern)]
    private static partial Regex FieldPath();
}
