using System.Collections.Immutable;
using System.Net;
using System.Text;
using Konnect.Controller.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Konnect.Controller.Sources;

/// <summary>
/// One URL's OpenAPI document as last fetched: the text of the last fetch that worked (kept while later ones fail) and
/// the problem of the last fetch, if it failed.
/// </summary>
public sealed record FetchedDocument(string? Text, string? Problem, DateTimeOffset At);

/// <summary>
/// Fetches the OpenAPI documents routes name by URL (spec.api.openapi.url), outside the translator, which stays pure:
/// what it fetched is an input of the next pass, like the snapshot. A URL is fetched when a route first names it, then
/// every <see cref="Refresh"/> (every <see cref="Retry"/> while it fails), at most <see cref="MaxBytes"/>
/// within <see cref="Timeout"/>, following at most 3 redirects. A new result wakes the reconciler by touching the store.
/// </summary>
public sealed partial class ApiDocumentFetcher : BackgroundService
{
    /// <summary>The largest document fetched, and read (the reader uses this limit too): a ConfigMap's own limit.</summary>
    public const int MaxBytes = 1024 * 1024;

    public static readonly TimeSpan Refresh = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan Retry = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ResourceStore _store;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger<ApiDocumentFetcher> _logger;
    private ImmutableDictionary<string, FetchedDocument> _documents = ImmutableDictionary.Create<string, FetchedDocument>(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private long _revision;

    public ApiDocumentFetcher(ResourceStore store, TimeProvider time, ILogger<ApiDocumentFetcher> logger, HttpMessageHandler? handler = null)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 3, UseCookies = false })
        {
            Timeout = Timeout,
        };
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.1");
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("konnect-portal");
    }

    /// <summary>Every URL routes name, with what was fetched from it.</summary>
    public IReadOnlyDictionary<string, FetchedDocument> Documents => Volatile.Read(ref _documents);

    /// <summary>Moves whenever <see cref="Documents"/> changes: the reconciler translates in full when it has.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long seen = -1;
        while (!stoppingToken.IsCancellationRequested)
        {
            seen = _store.Revision;
            await FetchDueAsync(stoppingToken).ConfigureAwait(false);
            var next = _due.Count == 0 ? Refresh : _due.Values.Min() - _time.GetUtcNow();
            try
            {
                await _store.WaitForChangeAsync(seen, stoppingToken).WaitAsync(next < TimeSpan.Zero ? TimeSpan.Zero : next, stoppingToken).ConfigureAwait(false);
            }
            catch (TimeoutException) { }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
        }
    }

    /// <summary>Fetches the URLs that are new or due, and forgets those no route names any more. Public for tests.</summary>
    public async Task FetchDueAsync(CancellationToken cancellationToken)
    {
        var urls = Urls(_store.Current);
        var documents = Volatile.Read(ref _documents);
        var changed = false;
        foreach (var gone in documents.Keys.Where(u => !urls.Contains(u)).ToList())
        {
            documents = documents.Remove(gone);
            _due.Remove(gone);
            changed = true;
        }
        foreach (var url in urls)
        {
            if (_due.TryGetValue(url, out var due) && due > _time.GetUtcNow()) { continue; }
            var (text, problem) = await FetchAsync(url, cancellationToken).ConfigureAwait(false);
            var last = documents.GetValueOrDefault(url);
            var fetched = new FetchedDocument(text ?? last?.Text, problem, _time.GetUtcNow());
            _due[url] = fetched.At + (problem is null ? Refresh : Retry);
            if (last is null || last.Text != fetched.Text || last.Problem != fetched.Problem)
            {
                documents = documents.SetItem(url, fetched);
                changed = true;
            }
            if (problem is not null) { LogFetchFailed(_logger, problem); }
        }
        if (!changed) { return; }
        Volatile.Write(ref _documents, documents);
        Interlocked.Increment(ref _revision);
        // A copy of the same snapshot: nothing in it changed, but the reconciler wakes up and sees the new revision here.
        _store.Update(s => s with { });
    }

    private async Task<(string? Text, string? Problem)> FetchAsync(string url, CancellationToken cancellationToken)
    {
        var shown = Shown(url);
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) { return (null, $"{shown} answered {(int)response.StatusCode}"); }
            // Read up to one byte past the limit, whatever Content-Length says (a chunked answer has none).
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            for (int read; length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0;)
            {
                length += read;
            }
            return length > MaxBytes
                ? (null, $"{shown} sent more than {MaxBytes:N0} bytes, the most that are read")
                : (Encoding.UTF8.GetString(buffer, 0, length), null);
        }
        catch (HttpRequestException e)
        {
            return (null, $"{shown} could not be fetched: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"{shown} did not answer within {Timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>The URL for messages: scheme, host, port and path only, as a query or credentials may carry a token.</summary>
    public static string Shown(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}" : "(not a URL)";

    /// <summary>The distinct URLs the snapshot's routes name.</summary>
    public static HashSet<string> Urls(ResourceSnapshot snapshot)
    {
        var urls = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in snapshot.Routes.Values)
        {
            // Only what the translator accepts: an absolute http(s) URL without credentials.
            if (route.Spec.Api?.Openapi?.Url is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                && string.IsNullOrEmpty(uri.UserInfo))
            {
                urls.Add(url);
            }
        }
        return urls;
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "OpenAPI document: {Problem}")]
    private static partial void LogFetchFailed(ILogger logger, string problem);
}
