using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Konnect.Api;
using Konnect.Api.Kubernetes;
using Konnect.Kubernetes.Config;

namespace Konnect.Kubernetes;

/// <summary>
/// <see cref="IKubeApiClient"/> over the API server's REST protocol (JSON), with one pooled HttpClient. Thread-safe.
/// </summary>
public sealed partial class KubeApiClient : IKubeApiClient, IDisposable
{
    private const string Json = "application/json";
    // RFC 7386: the API server picks the patch strategy from this content type.
    private const string MergePatch = "application/merge-patch+json";

    private readonly HttpClient _http;
    private readonly KubeConfig _config;
    private readonly KubeApiClientOptions _options;
    private readonly BearerTokenSource _token;
    private readonly string _baseUrl;

    public KubeApiClient(KubeConfig config, KubeApiClientOptions? options = null)
    {
        _config = config;
        _options = options ?? new KubeApiClientOptions();
        _token = new BearerTokenSource(config, _options.TimeProvider);
        // Watches stream for minutes: deadlines are per call (RequestTimeout), not on the HttpClient.
        _http = new HttpClient(KubeHttpHandler.Create(config), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        // Servers behind a path prefix (Rancher, some proxies) keep it: "https://host/k8s/clusters/c-1" + "/api/v1/...".
        _baseUrl = config.Server.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    public KubeConfig Config => _config;

    public Task<T> GetAsync<T>(ResourceType<T> type, string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        SendAsync(HttpMethod.Get, ObjectPath(type, ns, name), null, type.TypeInfo, cancellationToken);

    public Task<ObjectList<T>> ListAsync<T>(ResourceType<T> type, string? ns, ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var query = new QueryBuilder()
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("limit", options.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(options.Continue))
        {
            // The API server rejects resourceVersion (other than "0") and resourceVersionMatch together with continue:
            // the token already pins the snapshot.
            query.Add("continue", options.Continue);
        }
        else if (!string.IsNullOrEmpty(options.ResourceVersion))
        {
            query.Add("resourceVersion", options.ResourceVersion).Add("resourceVersionMatch", "NotOlderThan");
        }
        return SendAsync(HttpMethod.Get, CollectionPath(type, ns) + query, null, type.ListTypeInfo, cancellationToken);
    }

    public Task<T> CreateAsync<T>(ResourceType<T> type, string? ns, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var path = CollectionPath(type, RequireNamespace(type, ns ?? obj.Metadata.Namespace));
        return SendAsync(HttpMethod.Post, path, Body(obj, type.TypeInfo, Json), type.TypeInfo, cancellationToken);
    }

    public Task<T> ReplaceAsync<T>(ResourceType<T> type, string? ns, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var name = obj.Metadata.Name ?? throw new ArgumentException($"Replacing a {type.Kind} needs metadata.name.", nameof(obj));
        var path = ObjectPath(type, ns ?? obj.Metadata.Namespace, name);
        return SendAsync(HttpMethod.Put, path, Body(obj, type.TypeInfo, Json), type.TypeInfo, cancellationToken);
    }

    public Task<T> PatchAsync<T>(ResourceType<T> type, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        SendAsync(HttpMethod.Patch, ObjectPath(type, ns, name), Body(mergePatch, KonnectJsonContext.Default.JsonObject, MergePatch), type.TypeInfo, cancellationToken);

    public Task<T> PatchStatusAsync<T>(ResourceType<T> type, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        SendAsync(HttpMethod.Patch, ObjectPath(type, ns, name) + "/status", Body(mergePatch, KonnectJsonContext.Default.JsonObject, MergePatch), type.TypeInfo, cancellationToken);

    public void Dispose() => _http.Dispose();

    internal static string CollectionPath<T>(ResourceType<T> type, string? ns) where T : class, IKubernetesObject =>
        type.Namespaced && !string.IsNullOrEmpty(ns)
            ? $"{type.GroupPath}/namespaces/{Uri.EscapeDataString(ns)}/{type.Plural}"
            : $"{type.GroupPath}/{type.Plural}";

    internal static string ObjectPath<T>(ResourceType<T> type, string? ns, string name) where T : class, IKubernetesObject =>
        $"{CollectionPath(type, RequireNamespace(type, ns))}/{Uri.EscapeDataString(name)}";

    private static string? RequireNamespace<T>(ResourceType<T> type, string? ns) where T : class, IKubernetesObject =>
        type.Namespaced && string.IsNullOrEmpty(ns)
            ? throw new ArgumentException($"{type.Kind} is namespaced: a namespace is required for this call.", nameof(ns))
            : ns;

    private static ByteArrayContent Body<TBody>(TBody value, JsonTypeInfo<TBody> typeInfo, string contentType)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private async Task<TResult> SendAsync<TResult>(HttpMethod method, string pathAndQuery, HttpContent? content, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        var path = PathOnly(pathAndQuery);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.RequestTimeout);
        using var request = CreateRequest(method, pathAndQuery, content);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw await KubeApiErrors.FromResponseAsync(response, method.Method, path, _options.TimeProvider, deadline.Token);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
            return await JsonSerializer.DeserializeAsync(stream, resultType, deadline.Token)
                ?? throw KubeApiErrors.InvalidResponse(method.Method, path, "the body is null");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw KubeApiErrors.Timeout(method.Method, path, _options.RequestTimeout);
        }
        catch (HttpRequestException ex)
        {
            throw KubeApiErrors.Unreachable(_config.Server, method.Method, path, ex);
        }
        catch (IOException ex)
        {
            throw KubeApiErrors.Unreachable(_config.Server, method.Method, path, ex);
        }
        catch (JsonException ex)
        {
            throw KubeApiErrors.InvalidResponse(method.Method, path, ex.Message, ex);
        }
    }

    private HttpRequestMessage CreateRequest(HttpMethod method, string pathAndQuery, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, _baseUrl + pathAndQuery)
        {
            Content = content,
            // HTTP/2 when TLS ALPN offers it (many watches share a connection); HTTP/1.1 otherwise, including plain http.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(Json));
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        string? token;
        try
        {
            // Asked per request: a projected service-account token may have rotated since the last one.
            token = _token.GetToken();
        }
        catch (KubeConfigException ex)
        {
            request.Dispose();
            throw new KubeApiException(0, "CredentialsUnavailable", $"{method.Method} {PathOnly(pathAndQuery)}: {ex.Message}", ex);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private static string PathOnly(string pathAndQuery)
    {
        var q = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? pathAndQuery : pathAndQuery[..q];
    }

    /// <summary>A query string; empty values are left out, as the API server treats them as absent anyway.</summary>
    private sealed class QueryBuilder
    {
        private readonly StringBuilder _text = new();

        public QueryBuilder Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
            return this;
        }

        public override string ToString() => _text.ToString();
    }
}
