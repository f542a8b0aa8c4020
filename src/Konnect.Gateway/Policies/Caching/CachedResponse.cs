namespace Konnect.Gateway.Policies.Caching;

/// <summary>What the cache holds under one key: a stored answer, or the list of headers the upstream varies on.</summary>
internal abstract class CacheItem(DateTimeOffset expires)
{
    public DateTimeOffset Expires { get; } = expires;

    /// <summary>Bytes charged against the cache's size limit: the body plus an estimate of headers and bookkeeping.</summary>
    public abstract long Size { get; }
}

/// <summary>An answer replayed on a hit: status, headers captured before CORS decoration, and the whole body.</summary>
internal sealed class CachedResponse(int status, KeyValuePair<string, string[]>[] headers, byte[] body, long? contentLength,
    DateTimeOffset stored, DateTimeOffset expires) : CacheItem(expires)
{
    private const int Overhead = 256;

    public int Status { get; } = status;

    public KeyValuePair<string, string[]>[] Headers { get; } = headers;

    public byte[] Body { get; } = body;

    /// <summary>The Content-Length the client gets: the body's length, or for HEAD the length the upstream announced.</summary>
    public long? ContentLength { get; } = contentLength;

    public DateTimeOffset Stored { get; } = stored;

    public override long Size { get; } = body.Length + Overhead + headers.Sum(h => h.Key.Length + h.Value.Sum(v => v.Length + 8));
}

/// <summary>
/// The request headers an upstream named in Vary for one primary key. A lookup reads it first, then the entry keyed
/// by those headers' values, so answers that differ by Accept-Language (say) are kept apart.
/// </summary>
internal sealed class VaryRecord(string[] headers, DateTimeOffset expires) : CacheItem(expires)
{
    /// <summary>Lower-case header names, sorted.</summary>
    public string[] Headers { get; } = headers;

    public override long Size { get; } = 128 + headers.Sum(h => h.Length);
}
