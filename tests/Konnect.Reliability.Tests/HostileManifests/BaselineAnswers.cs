using System.Text;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>One request to a sample's route, and the answer as bytes: status, headers (but Date) and body.</summary>
internal sealed record BaselineRequest(string What, string Path, string? Host = null, string? Header = null, string? Value = null);

/// <summary>
/// Requests to the samples' own routes whose answers must not change while mutants come and go: an upstream reached
/// through a Service and its EndpointSlice, a static url with a rewrite, and answers the gateway makes itself (a
/// missing API key, a missing token, an HTTPS redirect). Each carries a fixed request id, so its bytes repeat.
/// </summary>
internal static class BaselineAnswers
{
    public static readonly BaselineRequest[] Requests =
    [
        new("quick start canary (Service + EndpointSlice)", "/orders/1?x=1", Header: "x-canary", Value: "true"),
        new("static url with a rewrite", "/legacy/status"),
        new("API key missing (401)", "/orders/1", Host: "partners.example.com"),
        new("JWT missing (401)", "/demo/orders"),
        new("subscription route without a key (401)", "/stock/42"),
        new("HTTPS redirect (308)", "/anything", Host: "api.example.com"),
    ];

    public static async Task<string[]> TakeAsync(HttpClient http, int port)
    {
        var answers = new string[Requests.Length];
        for (var i = 0; i < Requests.Length; i++) { answers[i] = await TakeAsync(http, port, Requests[i], i); }
        return answers;
    }

    private static async Task<string> TakeAsync(HttpClient http, int port, BaselineRequest request, int index)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{request.Path}");
        if (request.Host is not null) { message.Headers.Host = request.Host; }
        if (request.Header is not null) { message.Headers.Add(request.Header, request.Value); }
        message.Headers.Add("x-request-id", $"baseline-{index}");
        using var response = await http.SendAsync(message);
        var text = new StringBuilder().Append((int)response.StatusCode).Append('\n');
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (name.Equals("Date", StringComparison.OrdinalIgnoreCase)) { continue; }
            text.Append(name.ToLowerInvariant()).Append(": ").Append(string.Join(", ", values)).Append('\n');
        }
        return text.Append('\n').Append(Convert.ToBase64String(await response.Content.ReadAsByteArrayAsync())).ToString();
    }

    /// <summary>The requests whose answers differ from <paramref name="before"/>, each with both answers.</summary>
    public static IEnumerable<string> Differences(string[] before, string[] after) => Enumerable.Range(0, Requests.Length)
        .Where(i => before[i] != after[i])
        .Select(i => $"{Requests[i].What} answered differently:\n--- before\n{Readable(before[i])}\n--- after\n{Readable(after[i])}");

    private static string Readable(string answer)
    {
        var split = answer.LastIndexOf("\n\n", StringComparison.Ordinal);
        return answer[..split] + "\n\n" + Encoding.UTF8.GetString(Convert.FromBase64String(answer[(split + 2)..]));
    }
}
