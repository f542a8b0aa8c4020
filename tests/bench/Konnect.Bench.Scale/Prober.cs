using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Konnect.Bench.Scale;

/// <summary>Requests through the gateway and to its admin port, over one keep-alive client.</summary>
public sealed partial class Prober(KonnectProcess konnect) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The probe's answer body, or null for any status other than 200 (and for a refused connection).</summary>
    public async Task<string?> GetAsync(Probe probe)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{konnect.TrafficPort}{probe.Path}");
        request.Headers.Host = probe.Host;
        if (probe.Header is var (name, value)) { request.Headers.Add(name, value); }
        try
        {
            using var response = await _http.SendAsync(request).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync().ConfigureAwait(false) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>
    /// Polls every millisecond until the answer reads <paramref name="expected"/>; returns the UTC time it first did,
    /// or null after <paramref name="timeout"/>.
    /// </summary>
    public async Task<DateTime?> PollUntilAsync(Probe probe, string expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await GetAsync(probe).ConfigureAwait(false) == expected) { return DateTime.UtcNow; }
            await Task.Delay(1).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>Polls /readyz every 5 ms until it answers 200; returns the UTC time it did.</summary>
    public async Task<DateTime?> ReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !konnect.HasExited)
        {
            try
            {
                using var response = await _http.GetAsync($"http://127.0.0.1:{konnect.AdminPort}/readyz").ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK) { return DateTime.UtcNow; }
            }
            catch (HttpRequestException) { }
            await Task.Delay(5).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>The managed heap the gateway reports on /metrics (dotnet_gc_heap_bytes), in bytes.</summary>
    public async Task<long?> ManagedHeapBytesAsync()
    {
        var text = await _http.GetStringAsync($"http://127.0.0.1:{konnect.AdminPort}/metrics").ConfigureAwait(false);
        return HeapGauge().Match(text) is { Success: true } m ? (long)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"^dotnet_gc_heap_bytes(?:\{[^}]*\})? (\S+)", RegexOptions.Multiline)]
    private static partial Regex HeapGauge();
}
