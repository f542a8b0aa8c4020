using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Konnect.Gateway.Policies.Authentication;

/// <summary>
/// Signing keys per JWKS URI, shared by every route and every model (so publishing a model does not refetch).
/// Fetches are single-flight per URI. A refresh is triggered by age (<see cref="GatewayOptions.JwksRefreshInterval"/>)
/// or by a token whose kid is unknown, but never more often than <see cref="GatewayOptions.JwksMinRefreshInterval"/>:
/// a caller sending random kids must not turn the gateway into a load generator against the identity provider.
/// When a refresh fails the last good keys keep serving; with no keys at all the caller fails closed (503).
/// </summary>
public sealed partial class JwksCache : IDisposable
{
    /// <summary>A JWKS bigger than this is refused: real ones are a few KiB, and the body is buffered.</summary>
    internal const int MaxDocumentBytes = 256 * 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly HttpClient _http;
    private readonly GatewayOptions _options;
    private readonly ILogger<JwksCache> _logger;
    private readonly TimeProvider _time;

    public JwksCache(GatewayOptions options, ILogger<JwksCache> logger, TimeProvider? time = null)
    {
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
        {
            Timeout = options.JwksFetchTimeout,
            MaxResponseContentBufferSize = MaxDocumentBytes,
        };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>
    /// The keys for <paramref name="uri"/>, fetching them first when none are loaded or they are old, or when
    /// <paramref name="unknownKid"/> says the token names a key not in the cache. Null when no keys could ever be loaded.
    /// </summary>
    public async ValueTask<IReadOnlyList<SecurityKey>?> GetKeysAsync(string uri, bool unknownKid, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(uri, static _ => new Entry());
        var now = _time.GetUtcNow();
        Task<IReadOnlyList<SecurityKey>?>? fetch = null;
        bool wait;
        lock (entry)
        {
            // Only a request that cannot be served otherwise waits; an age refresh runs behind the cached keys.
            wait = entry.Keys is null || unknownKid;
            var throttled = now - entry.LastAttempt < _options.JwksMinRefreshInterval;
            var wanted = entry.Keys is null || now - entry.LoadedAt >= _options.JwksRefreshInterval || unknownKid;
            if (entry.Fetch is { IsCompleted: false } running) { fetch = running; }
            else if (wanted && !throttled)
            {
                entry.LastAttempt = now;
                // Not bound to the request: a client that hangs up must not cancel the fetch other requests wait on.
                entry.Fetch = fetch = FetchAsync(uri, entry);
            }
        }
        if (fetch is not null && wait) { await fetch.WaitAsync(cancellationToken); }
        lock (entry) { return entry.Keys; }
    }

    /// <summary>
    /// Loads the keys of <paramref name="uri"/> when none are loaded yet (within the same rate limit as requests) and
    /// says whether any are loaded and, if not, why the last attempt failed. For warming a model before its first token.
    /// </summary>
    public async Task<JwksLoadState> LoadAsync(string uri, CancellationToken cancellationToken)
    {
        var keys = await GetKeysAsync(uri, unknownKid: false, cancellationToken);
        var entry = _entries.GetOrAdd(uri, static _ => new Entry());
        lock (entry) { return new JwksLoadState(keys is not null || entry.Keys is not null, entry.LastError); }
    }

    private async Task<IReadOnlyList<SecurityKey>?> FetchAsync(string uri, Entry entry)
    {
        try
        {
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseContentRead);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"status {(int)response.StatusCode}", null, response.StatusCode);
            }
            var json = await response.Content.ReadAsStringAsync();
            var keys = new JsonWebKeySet(json).GetSigningKeys().ToArray();
            if (keys.Length == 0) { throw new InvalidOperationException("not a JWKS: it holds no signing keys"); }
            lock (entry)
            {
                entry.Keys = keys;
                entry.LoadedAt = _time.GetUtcNow();
                entry.LastError = null;
            }
            JwksLoaded(_logger, uri, keys.Length);
            return keys;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ArgumentException or InvalidOperationException
            or System.Text.Json.JsonException)
        {
            // The last good keys, if any, keep serving: an identity provider's hiccup should not log everyone out.
            JwksFailed(_logger, uri, ex.Message);
            lock (entry)
            {
                entry.LastError = Describe(ex);
                return entry.Keys;
            }
        }
    }

    /// <summary>Why a fetch failed, in the few words a status message can carry; never the document's content.</summary>
    private string Describe(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: { } code } => $"status {(int)code}",
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "connection refused",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "host name not found",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "TLS handshake failed",
        HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded } => $"larger than {MaxDocumentBytes / 1024} KiB",
        HttpRequestException http => http.Message,
        TaskCanceledException => $"no answer within {_options.JwksFetchTimeout.TotalSeconds:0.#} s",
        ArgumentException or System.Text.Json.JsonException => "not a JWKS",
        _ => ex.Message,
    };

    public void Dispose() => _http.Dispose();

    private sealed class Entry
    {
        public IReadOnlyList<SecurityKey>? Keys;
        public DateTimeOffset LoadedAt;
        public DateTimeOffset LastAttempt = DateTimeOffset.MinValue;
        public Task<IReadOnlyList<SecurityKey>?>? Fetch;
        public string? LastError;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} signing keys from JWKS {Uri}")]
    private static partial void JwksLoaded(ILogger logger, string uri, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load JWKS {Uri}: {Reason}")]
    private static partial void JwksFailed(ILogger logger, string uri, string reason);
}

/// <summary>Whether keys of a JWKS URI are loaded and, when none are, why the last fetch failed.</summary>
public readonly record struct JwksLoadState(bool Loaded, string? Error);
