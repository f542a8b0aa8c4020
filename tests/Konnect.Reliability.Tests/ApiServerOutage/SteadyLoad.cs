namespace Konnect.Reliability.Tests.ApiServerOutage;

/// <summary>
/// Requests against routes nobody touches, and /readyz, sent steadily for as long as it runs: every request that is not
/// a 200 with the expected body counts as failed. Paced (a pause after each answer) so that two cores shared with the
/// gateway under test and the API server's reconnection still have room; the point is traffic throughout, not peak rate.
/// </summary>
internal sealed class SteadyLoad
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly Lock _gate = new();
    private readonly List<string> _firstFailures = [];
    private long _requests;
    private long _failures;
    private long _readyChecks;
    private long _readyFailures;

    private SteadyLoad(HttpClient http) => _http = http;

    public long Requests => Interlocked.Read(ref _requests);
    public long Failures => Interlocked.Read(ref _failures);
    public long ReadyChecks => Interlocked.Read(ref _readyChecks);
    public long ReadyFailures => Interlocked.Read(ref _readyFailures);

    /// <summary>The first few failures, for the assertion message.</summary>
    public string FailureSample { get { lock (_gate) { return string.Join("; ", _firstFailures); } } }

    /// <param name="targets">Each worker sends to one of these in turn and expects <paramref name="body"/>.</param>
    public static SteadyLoad Start(HttpClient http, IReadOnlyList<string> targets, string body, string readyz, int workers)
    {
        var load = new SteadyLoad(http);
        for (var i = 0; i < workers; i++)
        {
            var offset = i;
            load._loops.Add(Task.Run(() => load.TrafficAsync(targets, offset, body)));
        }
        load._loops.Add(Task.Run(() => load.ReadinessAsync(readyz)));
        return load;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }

    private async Task TrafficAsync(IReadOnlyList<string> targets, int offset, string body)
    {
        var token = _stop.Token;
        for (var n = offset; !token.IsCancellationRequested; n++)
        {
            var target = targets[n % targets.Count];
            string? failure;
            try
            {
                using var response = await _http.GetAsync(target, CancellationToken.None);
                var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                failure = response.IsSuccessStatusCode && text == body ? null : $"{target}: {(int)response.StatusCode} {Cut(text)}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                failure = $"{target}: {e.GetType().Name} {e.Message}";
            }
            Interlocked.Increment(ref _requests);
            if (failure is not null) { Fail(ref _failures, failure); }
            await Pause(TimeSpan.FromMilliseconds(5), token);
        }
    }

    private async Task ReadinessAsync(string readyz)
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            string? failure;
            try
            {
                using var response = await _http.GetAsync(readyz, CancellationToken.None);
                failure = response.IsSuccessStatusCode ? null : $"/readyz: {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                failure = $"/readyz: {e.GetType().Name} {e.Message}";
            }
            Interlocked.Increment(ref _readyChecks);
            if (failure is not null) { Fail(ref _readyFailures, failure); }
            await Pause(TimeSpan.FromMilliseconds(100), token);
        }
    }

    private void Fail(ref long counter, string failure)
    {
        Interlocked.Increment(ref counter);
        lock (_gate)
        {
            if (_firstFailures.Count < 5) { _firstFailures.Add(failure); }
        }
    }

    private static async Task Pause(TimeSpan pause, CancellationToken token)
    {
        try { await Task.Delay(pause, token); }
        catch (OperationCanceledException) { }
    }

    private static string Cut(string text) => text.Length > 120 ? text[..120] + "..." : text;
}
