using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Konnect.Api;
using Konnect.Api.Kubernetes;

namespace Konnect.Kubernetes;

public sealed partial class KubeApiClient
{
    /// <summary>
    /// The largest single watch event accepted. etcd caps an object near 1.5 MiB; JSON escaping can double it.
    /// A line that grows past this is a broken stream, not an object, and must not exhaust memory.
    /// </summary>
    internal const int MaxEventBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Watches a collection. The enumeration completes when the server ends the stream cleanly (timeoutSeconds elapsed);
    /// a stream cut mid-way (connection reset, server restart, proxy timeout) throws a <see cref="KubeApiException"/> with
    /// StatusCode 0 and Reason "StreamDropped", so a reflector can back off before watching again from the last
    /// resourceVersion it saw. An ERROR event throws with the Status's code (410 Expired: relist).
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType<T> type, string? ns, WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var path = CollectionPath(type, ns);
        var query = new QueryBuilder()
            .Add("watch", "1")
            .Add("resourceVersion", options.ResourceVersion)
            .Add("allowWatchBookmarks", options.AllowWatchBookmarks ? "true" : null)
            .Add("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector);

        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.TimeoutSeconds is > 0 and var seconds)
        {
            watchdog.CancelAfter(TimeSpan.FromSeconds(seconds) + _options.WatchGrace);
        }
        using var response = await OpenWatchAsync(path + query, path, watchdog.Token, cancellationToken);
        var stream = await response.Content.ReadAsStreamAsync(watchdog.Token);
        // Lines are split from a pipe, not per read: one TCP read may hold half an event or several.
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        var events = new List<WatchEvent<T>>();
        try
        {
            while (true)
            {
                var result = await ReadAsync(reader, path, watchdog.Token, cancellationToken);
                var buffer = result.Buffer;
                events.Clear();
                SplitEvents(ref buffer, type, path, events);
                if (buffer.Length > MaxEventBytes)
                {
                    throw KubeApiErrors.InvalidResponse("WATCH", path, $"an event is larger than {MaxEventBytes} bytes");
                }
                var leftover = !IsBlank(buffer);
                reader.AdvanceTo(buffer.Start, buffer.End);
                foreach (var watchEvent in events)
                {
                    yield return watchEvent;
                }
                if (result.IsCompleted)
                {
                    if (leftover)
                    {
                        throw KubeApiErrors.StreamDropped(path, "the last event was cut off");
                    }
                    yield break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private async Task<HttpResponseMessage> OpenWatchAsync(string pathAndQuery, string path, CancellationToken watchdog, CancellationToken cancellationToken)
    {
        // The request deadline covers only the wait for headers; the stream itself lasts as long as the server keeps it.
        using var headersDeadline = CancellationTokenSource.CreateLinkedTokenSource(watchdog);
        headersDeadline.CancelAfter(_options.RequestTimeout);
        using var request = CreateRequest(HttpMethod.Get, pathAndQuery, null);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersDeadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw KubeApiErrors.Timeout("WATCH", path, _options.RequestTimeout);
        }
        catch (HttpRequestException ex)
        {
            throw KubeApiErrors.Unreachable(_config.Server, "WATCH", path, ex);
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await KubeApiErrors.FromResponseAsync(response, "WATCH", path, _options.TimeProvider, headersDeadline.Token);
            }
        }
        return response;
    }

    private static async ValueTask<ReadResult> ReadAsync(PipeReader reader, string path, CancellationToken watchdog, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(watchdog);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw KubeApiErrors.StreamDropped(path, "the server kept it open past timeoutSeconds without a word; the connection is probably dead");
        }
        catch (IOException ex)
        {
            // HttpIOException (an HTTP/1.1 chunked body cut short, an HTTP/2 stream reset) derives from IOException.
            throw KubeApiErrors.StreamDropped(path, ex.Message, ex);
        }
        catch (HttpRequestException ex)
        {
            throw KubeApiErrors.StreamDropped(path, ex.Message, ex);
        }
    }

    /// <summary>Decodes every complete newline-terminated event in <paramref name="buffer"/> and leaves the rest in it.</summary>
    private static void SplitEvents<T>(ref ReadOnlySequence<byte> buffer, ResourceType<T> type, string path, List<WatchEvent<T>> into)
        where T : class, IKubernetesObject
    {
        var lines = new SequenceReader<byte>(buffer);
        while (lines.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (!IsBlank(line))
            {
                into.Add(Decode(line, type, path));
            }
        }
        buffer = buffer.Slice(lines.Position);
    }

    private static WatchEvent<T> Decode<T>(ReadOnlySequence<byte> line, ResourceType<T> type, string path)
        where T : class, IKubernetesObject
    {
        RawWatchEvent raw;
        try
        {
            var json = new Utf8JsonReader(line);
            raw = JsonSerializer.Deserialize(ref json, KonnectJsonContext.Default.RawWatchEvent)
                ?? throw new JsonException("null event");
        }
        catch (JsonException ex)
        {
            throw KubeApiErrors.InvalidResponse("WATCH", path, $"a watch event is not JSON: {ex.Message}", ex);
        }
        var eventType = raw.Type switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => throw KubeApiErrors.FromStatus(DecodeObject(raw.Object, KonnectJsonContext.Default.ApiStatus, path), "WATCH", path),
            _ => throw KubeApiErrors.InvalidResponse("WATCH", path, $"unknown watch event type '{raw.Type}'"),
        };
        return new WatchEvent<T>(eventType, DecodeObject(raw.Object, type.TypeInfo, path));
    }

    private static TObject DecodeObject<TObject>(JsonElement element, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TObject> typeInfo, string path)
    {
        try
        {
            return (element.ValueKind == JsonValueKind.Object ? element.Deserialize(typeInfo) : default)
                ?? throw new JsonException("the event has no object");
        }
        catch (JsonException ex)
        {
            throw KubeApiErrors.InvalidResponse("WATCH", path, $"a watch event's object does not decode: {ex.Message}", ex);
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t' or (byte)'\n'))
                {
                    return false;
                }
            }
        }
        return true;
    }
}
