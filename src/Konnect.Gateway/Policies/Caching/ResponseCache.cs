namespace Konnect.Gateway.Policies.Caching;

/// <summary>
/// The gateway's response store: one per process, shared by every cached rule, bounded by
/// <see cref="GatewayOptions.CacheSizeLimit"/> bytes. When an insert would exceed the limit the least recently used
/// entries go first; expired entries are dropped when met. A plain lock over a dictionary and a linked list: every
/// operation is O(1) and short, and unlike MemoryCache (which compacts in the background and rejects inserts over the
/// limit) eviction is immediate and predictable.
/// </summary>
internal sealed class ResponseCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, CacheItem Item)>> _entries = new(StringComparer.Ordinal);
    // Most recently used first.
    private readonly LinkedList<(string Key, CacheItem Item)> _recency = new();
    private readonly long _limit;
    private long _size;

    public ResponseCache(GatewayOptions options, TimeProvider time)
    {
        _limit = options.CacheSizeLimit;
        Time = time;
    }

    public TimeProvider Time { get; }

    /// <summary>Bytes currently charged; for tests and diagnostics.</summary>
    public long Size { get { lock (_lock) { return _size; } } }

    public int Count { get { lock (_lock) { return _entries.Count; } } }

    public T? Get<T>(string key) where T : CacheItem
    {
        var now = Time.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var node)) { return null; }
            if (node.Value.Item.Expires <= now)
            {
                Remove(node);
                return null;
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Item as T;
        }
    }

    /// <summary>Stores <paramref name="item"/>, evicting least recently used entries to make room; an item larger than the whole cache is not stored.</summary>
    public bool Set(string key, CacheItem item)
    {
        if (item.Size > _limit) { return false; }
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var existing)) { Remove(existing); }
            while (_size + item.Size > _limit && _recency.Last is { } oldest) { Remove(oldest); }
            var node = _recency.AddFirst((key, item));
            _entries[key] = node;
            _size += item.Size;
            return true;
        }
    }

    private void Remove(LinkedListNode<(string Key, CacheItem Item)> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
        _size -= node.Value.Item.Size;
    }
}
