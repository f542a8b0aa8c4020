using System.Globalization;

namespace Konnect.Reliability.Tests.OpenStreams;

/// <summary>
/// One long server-sent-events response through the gateway: every event the peer wrote ("id: n", "data: sse-n")
/// must arrive whole and in order, then the peer's "end" event (which carries how many it sent) and the end of the
/// response. Sent is what the peer wrote; the stream goes one way only.
/// </summary>
public sealed class SseSequence(StreamPeers peers, string path) : SequenceStream
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly CancellationTokenSource _abandon = new();
    private Task _receiving = Task.CompletedTask;
    private long? _endCount;

    public override string Kind => "SSE";

    public override async Task OpenAsync(Uri gateway)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var response = await _http.GetAsync(new Uri(gateway, path), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        _receiving = Task.Run(() => ReceiveAsync(response));
    }

    private static string Event(long n) => string.Create(CultureInfo.InvariantCulture, $"id: {n}\ndata: sse-{n}");

    private async Task ReceiveAsync(HttpResponseMessage response)
    {
        using (response)
        {
            try
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_abandon.Token));
                var lines = new List<string>();
                while (await reader.ReadLineAsync(_abandon.Token) is { } line)
                {
                    if (line.Length > 0) { lines.Add(line); continue; }
                    // A blank line ends an event.
                    if (lines is ["event: end", var count]) { _endCount = long.Parse(count["data: ".Length..], CultureInfo.InvariantCulture); }
                    else { Arrived(string.Join('\n', lines), Event); }
                    lines.Clear();
                }
                if (lines.Count > 0) { Problem("the response ended inside an event: " + string.Join('\n', lines)); }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                Problem("reading failed: " + ex.Message);
            }
        }
    }

    public override async Task FinishAsync()
    {
        peers.EndEvents();
        try
        {
            await _receiving.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Problem("the response had not ended 30 s after the peer's last event");
            await _abandon.CancelAsync();
        }
        // The peer counts an event once it is flushed; the end event says how many that was.
        SetSent(peers.EventsSent);
        if (_endCount != peers.EventsSent) { Problem($"the end event said {_endCount?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}, the peer sent {peers.EventsSent}"); }
    }

    public override ValueTask DisposeAsync()
    {
        _abandon.Cancel();
        _http.Dispose();
        _abandon.Dispose();
        return ValueTask.CompletedTask;
    }
}
