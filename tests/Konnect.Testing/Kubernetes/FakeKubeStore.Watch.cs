using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Konnect.Testing.Kubernetes;

/// <summary>One open watch: the lines still to send, in resourceVersion order, and the connection to cut on demand.</summary>
internal sealed class FakeWatcher(FakeResource resource, string? ns, LabelSelector selector, bool bookmarks, Action abort)
{
    public FakeResource Resource { get; } = resource;
    public string? Namespace { get; } = ns;
    public LabelSelector Selector { get; } = selector;
    public bool Bookmarks { get; } = bookmarks;
    public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    public void Abort()
    {
        // A client that went away first (a killed gateway) leaves a disposed request behind: nothing is left to cut.
        // Kestrel may already have recycled that request's context, whose Abort then fails on its released features
        // (seen once as a NullReferenceException while a test's fake server stopped).
        try { abort(); }
        catch (Exception e) when (e is ObjectDisposedException or NullReferenceException) { }
    }

    public bool Matches(FakeResource resource, string ns, JsonObject obj) =>
        resource.Key == Resource.Key && (Namespace is null || Namespace == ns) && Selector.Matches(obj);
}

internal sealed partial class FakeKubeStore
{
    /// <param name="Line">The event as written to a watcher that sees the object both before and after it.</param>
    /// <param name="Previous">The object before a MODIFIED event, the removed object of a DELETED one; null for ADDED.</param>
    private sealed record StoredEvent(long ResourceVersion, FakeResource Resource, string Namespace, string Type, string Line, JsonObject Object,
        JsonObject? Previous)
    {
        /// <summary>
        /// The line <paramref name="watcher"/> gets for this event, or null for none, decided as the watch cache does
        /// (k8s.io/apiserver's cacher, convertToWatchEvent): an object that starts to match the watch's selector (a label
        /// added) arrives as ADDED, and one that stops matching (a label removed) as DELETED with its previous content and
        /// the event's resourceVersion, so a selective watcher never keeps an object it would no longer list.
        /// </summary>
        public string? LineFor(FakeWatcher watcher)
        {
            var now = Type != "DELETED" && watcher.Matches(Resource, Namespace, Object);
            var before = Previous is not null && watcher.Matches(Resource, Namespace, Previous);
            if (now) { return before || Type == "ADDED" ? Line : Event("ADDED", Object); }
            if (!before) { return null; }
            if (Type == "DELETED") { return Line; }
            var gone = (JsonObject)Previous!.DeepClone();
            Metadata(gone)["resourceVersion"] = ResourceVersion.ToString(CultureInfo.InvariantCulture);
            return Event("DELETED", gone);
        }

        public static string Event(string type, JsonObject obj) => new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();
    }

    private readonly Queue<StoredEvent> _history = new();
    private readonly List<FakeWatcher> _watchers = [];
    /// <summary>Events at or below this resourceVersion are forgotten: a watch from older than it gets 410.</summary>
    private long _compactedResourceVersion;

    /// <param name="previous">The object before the change (MODIFIED), or the object removed (DELETED).</param>
    private void Record(FakeResource resource, string ns, string type, JsonObject obj, JsonObject? previous)
    {
        var stored = new StoredEvent(_resourceVersion, resource, ns, type, StoredEvent.Event(type, obj), obj, previous);
        _history.Enqueue(stored);
        while (_history.Count > historyLimit)
        {
            _compactedResourceVersion = _history.Dequeue().ResourceVersion;
        }
        foreach (var watcher in _watchers)
        {
            if (stored.LineFor(watcher) is { } line)
            {
                watcher.Lines.Writer.TryWrite(line);
            }
        }
    }

    /// <summary>
    /// Opens a watch from <paramref name="resourceVersion"/>: "" or "0" starts with a synthetic ADDED per existing
    /// object (as the real server does); a number replays the retained events after it; one older than the retained
    /// history gets an ERROR event with a 410 Expired Status, as the watch cache answers.
    /// </summary>
    public FakeWatcher Watch(FakeResource resource, string? ns, string? resourceVersion, LabelSelector selector, bool bookmarks, Action abort)
    {
        lock (_gate)
        {
            var watcher = new FakeWatcher(resource, ns, selector, bookmarks, abort);
            if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                foreach (var obj in Select(resource, ns, selector, null))
                {
                    watcher.Lines.Writer.TryWrite(new JsonObject { ["type"] = "ADDED", ["object"] = obj.DeepClone() }.ToJsonString());
                }
            }
            else if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
            {
                throw new FakeKubeError(400, "BadRequest", $"invalid resource version: {resourceVersion}");
            }
            else if (from < _compactedResourceVersion)
            {
                var status = FakeKubeError.Status(410, "Expired", $"too old resource version: {from} ({_compactedResourceVersion + 1})");
                watcher.Lines.Writer.TryWrite(new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString());
                watcher.Lines.Writer.TryComplete();
                return watcher;
            }
            else
            {
                foreach (var stored in _history.Where(e => e.ResourceVersion > from))
                {
                    if (stored.LineFor(watcher) is { } line) { watcher.Lines.Writer.TryWrite(line); }
                }
            }
            _watchers.Add(watcher);
            return watcher;
        }
    }

    public void EndWatch(FakeWatcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }
    }

    /// <summary>A BOOKMARK to every watch that asked for them: kind, apiVersion and the current resourceVersion only.</summary>
    public void SendBookmarks()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers.Where(w => w.Bookmarks))
            {
                var (apiVersion, kind) = KindOf(watcher.Resource);
                var bookmark = new JsonObject
                {
                    ["kind"] = kind,
                    ["apiVersion"] = apiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                };
                watcher.Lines.Writer.TryWrite(new JsonObject { ["type"] = "BOOKMARK", ["object"] = bookmark }.ToJsonString());
            }
        }
    }

    public void CompactHistory()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedResourceVersion = _resourceVersion;
        }
    }

    public void DropWatches()
    {
        List<FakeWatcher> open;
        lock (_gate)
        {
            open = [.. _watchers];
            _watchers.Clear();
        }
        foreach (var watcher in open)
        {
            watcher.Abort();
        }
    }

    public int OpenWatchCount
    {
        get { lock (_gate) { return _watchers.Count; } }
    }

    /// <summary>One page of a list. The continue token encodes the list's resourceVersion and the last key served.</summary>
    public JsonObject List(FakeResource resource, string? ns, LabelSelector selector, FieldSelector fields, int limit, string? continueToken)
    {
        lock (_gate)
        {
            var listVersion = _resourceVersion;
            string? after = null;
            if (!string.IsNullOrEmpty(continueToken))
            {
                (listVersion, after) = DecodeContinue(continueToken);
                if (listVersion < _compactedResourceVersion)
                {
                    throw new FakeKubeError(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                }
            }
            // Pages after the first are served from the current objects, not a snapshot at listVersion: a simplification.
            var matching = Select(resource, ns, selector, after).Where(fields.Matches).ToList();
            var page = limit > 0 ? matching.Take(limit).ToList() : matching;
            var metadata = new JsonObject { ["resourceVersion"] = listVersion.ToString(CultureInfo.InvariantCulture) };
            if (page.Count < matching.Count)
            {
                var last = Metadata(page[^1]);
                metadata["continue"] = EncodeContinue(listVersion, Key(last["namespace"]?.GetValue<string>(), last["name"]!.GetValue<string>()));
                metadata["remainingItemCount"] = matching.Count - page.Count;
            }
            var (apiVersion, kind) = KindOf(resource);
            return new JsonObject
            {
                ["kind"] = kind + "List",
                ["apiVersion"] = apiVersion,
                ["metadata"] = metadata,
                ["items"] = new JsonArray([.. page.Select(o => o.DeepClone())]),
            };
        }
    }

    private IEnumerable<JsonObject> Select(FakeResource resource, string? ns, LabelSelector selector, string? after) =>
        Collection(resource)
            .Where(pair => (ns is null || pair.Key.StartsWith(ns + "/", StringComparison.Ordinal))
                && (after is null || string.CompareOrdinal(pair.Key, after) > 0)
                && selector.Matches(pair.Value))
            .Select(pair => pair.Value);

    private static string EncodeContinue(long resourceVersion, string key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["rv"] = resourceVersion, ["start"] = key }.ToJsonString()));

    private static (long ResourceVersion, string After) DecodeContinue(string token)
    {
        try
        {
            var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!;
            return (json["rv"]!.GetValue<long>(), json["start"]!.GetValue<string>());
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            throw new FakeKubeError(400, "BadRequest", "continue key is not valid: illegal base64 data or JSON");
        }
    }
}
