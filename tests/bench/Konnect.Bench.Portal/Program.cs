using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Konnect.Bench.Ai;
using Konnect.Testing;

// The developer portal's figures (issue #23): the page's p99 with APIS listed APIs (target: 50 ms at 1,000), and the
// CPU per proxied request with call analytics on and off, measured in alternating rounds on the same machine.
// Settings (environment): APIS (1000), PAGE_REQUESTS (2000 per page kind), ROUNDS (3), DURATION (5s), CONNECTIONS (16),
// KONNECT_BIN (the published konnect; default the Release build), CONFIG (Release).
var apis = Setting("APIS", 1000);
var pageRequests = Setting("PAGE_REQUESTS", 2000);
var rounds = Setting("ROUNDS", 3);
var duration = Environment.GetEnvironmentVariable("DURATION") ?? "5s";
var connections = Setting("CONNECTIONS", 16);
var config = Environment.GetEnvironmentVariable("CONFIG") ?? "Release";
var konnectBin = Environment.GetEnvironmentVariable("KONNECT_BIN") ?? Path.Combine(Repo.Root, "src", "Konnect", "bin", config, "net10.0", "konnect");
var echoDll = Path.Combine(Repo.Root, "src", "Konnect.Echo", "bin", config, "net10.0", "konnect-echo.dll");

var folder = Directory.CreateTempSubdirectory("konnect-bench-portal-").FullName;
var upstreamPort = Repo.FreePort();
using var echo = Child.Start("echo", "dotnet", upstreamPort, [echoDll, "--urls", $"http://127.0.0.1:{upstreamPort}", "--name", "api"]);
File.WriteAllText(Path.Combine(folder, "apis.yaml"), Manifests(apis, upstreamPort));
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
await Until(async () => (await http.GetAsync($"http://127.0.0.1:{upstreamPort}/")).IsSuccessStatusCode, "echo");

Console.WriteLine($"portal bench: {apis} listed APIs, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {Environment.ProcessorCount} cores");

// Part 1: the portal's pages, one client, one request at a time, after a warm-up.
using (var konnect = await StartAsync(analytics: true))
{
    var portal = $"http://127.0.0.1:{konnect.Portal}";
    await Until(async () => (await http.GetStringAsync($"{portal}/api/apis?q=nothing")).Contains($"\"total\": {apis}", StringComparison.Ordinal), $"{apis} APIs listed");
    string[][] pages =
    [
        ["list (every API)", "/"],
        ["search (q, tag)", "/?q=orders&tag=t3"],
        ["an API's page", "/apis/ns-2/api-0042"],
        ["JSON catalogue", "/api/apis"],
    ];
    Console.WriteLine($"{"page",-20} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"KiB",8}  target p99 <= 50 ms");
    foreach (var page in pages)
    {
        var url = portal + page[1];
        for (var i = 0; i < 100; i++) { await http.GetStringAsync(url); }
        var times = new List<double>(pageRequests);
        var size = 0;
        for (var i = 0; i < pageRequests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            size = (await http.GetByteArrayAsync(url)).Length;
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        var p99 = Percentile(times, 0.99);
        Console.WriteLine($"{page[0],-20} {Percentile(times, 0.5),8:F2} {p99,8:F2} {times[^1],8:F2} {size / 1024.0,8:F0}  {(p99 <= 50 ? "met" : "missed")}");
    }
}

// Part 2: CPU per proxied request to a listed API, analytics on and off in alternating rounds (wrk drives the load).
Console.WriteLine($"\n{"analytics",-10} {"round",5} {"requests",10} {"CPU µs/request",15}");
var perRequest = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
for (var round = 1; round <= rounds; round++)
{
    foreach (var analytics in new[] { true, false })
    {
        using var konnect = await StartAsync(analytics);
        var target = $"http://127.0.0.1:{konnect.Traffic}/api-0001/items";
        await Until(async () => (await http.GetAsync(target)).IsSuccessStatusCode, "route served");
        await Wrk(target, "2s"); // warm-up: JIT, pools
        var before = konnect.Child.CpuTime();
        var requests = await Wrk(target, duration);
        var cpu = konnect.Child.CpuTime() - before;
        var us = cpu.TotalMicroseconds / requests;
        perRequest[analytics].Add(us);
        Console.WriteLine($"{(analytics ? "on" : "off"),-10} {round,5} {requests,10} {us,15:F1}");
    }
}
var on = Median(perRequest[true]);
var off = Median(perRequest[false]);
var spread = perRequest.Values.Max(v => v.Max() - v.Min());
Console.WriteLine($"median CPU per request: analytics on {on:F1} µs, off {off:F1} µs, difference {on - off:+0.0;-0.0} µs ({(on - off) / off:+0.0%;-0.0%}); "
    + $"largest spread between rounds of one setting {spread:F1} µs");
// The fastest round of each setting is the one the rest of the machine disturbed least.
Console.WriteLine($"fastest round: analytics on {perRequest[true].Min():F1} µs, off {perRequest[false].Min():F1} µs, "
    + $"difference {perRequest[true].Min() - perRequest[false].Min():+0.0;-0.0} µs");
Directory.Delete(folder, recursive: true);

async Task<KonnectUnderTest> StartAsync(bool analytics)
{
    var (traffic, admin, portalPort) = (Repo.FreePort(), Repo.FreePort(), Repo.FreePort());
    var child = Child.Start("konnect", konnectBin, traffic,
        ["run", "--manifests", folder, "--listen", $"http://127.0.0.1:{traffic}", "--admin-listen", $"http://127.0.0.1:{admin}",
         "--listen-tls", "none", "--portal-listen", $"http://127.0.0.1:{portalPort}", "--analytics", analytics ? "on" : "off", "--access-log", "off"]);
    await Until(async () => (await http.GetAsync($"http://127.0.0.1:{admin}/readyz")).IsSuccessStatusCode, "konnect ready", child);
    return new KonnectUnderTest(child, traffic, portalPort);
}

static async Task<long> Wrk(string url, string length)
{
    var info = new ProcessStartInfo("taskset", ["-c", "1", "wrk", "-t1", $"-c{Setting("CONNECTIONS", 16)}", $"-d{length}", url]) { RedirectStandardOutput = true };
    using var wrk = Process.Start(info)!;
    var output = await wrk.StandardOutput.ReadToEndAsync();
    await wrk.WaitForExitAsync();
    var match = Regex.Match(output, @"(\d+) requests in");
    return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("wrk: " + output);
}

async Task Until(Func<Task<bool>> condition, string what, Child? child = null)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (DateTime.UtcNow < deadline)
    {
        try { if (await condition()) { return; } } catch (HttpRequestException) { } catch (TaskCanceledException) { }
        await Task.Delay(200);
    }
    throw new TimeoutException($"{what}: not within 60 s\n{child?.Tail()}");
}

static string Manifests(int count, int upstreamPort)
{
    var text = new StringBuilder();
    for (var n = 0; n < 10; n++)
    {
        text.Append($$"""
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: doc, namespace: ns-{{n}} }
            data:
              openapi.yaml: |
                openapi: 3.1.0
                info: { title: Items, version: "1" }
                paths:
            {{string.Concat(Enumerable.Range(0, 10).Select(i => $"        /items/{i}/{{id}}:\n          get: {{ summary: Item {i}, parameters: [{{ name: id, in: path, required: true, schema: {{ type: string }} }}], responses: {{ \"200\": {{ description: ok, content: {{ application/json: {{ schema: {{ type: object, properties: {{ id: {{ type: string }}, n: {{ type: integer }} }} }} }} }} }} }} }}\n"))}}
            ---

            """);
    }
    for (var i = 0; i < count; i++)
    {
        text.Append($$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: api-{{i:D4}}, namespace: ns-{{i % 10}} }
            spec:
              api:
                name: api-{{i:D4}}
                version: v1
                visibility: Listed
                title: {{(i % 7 == 0 ? "Orders" : "Items")}} API {{i}}
                description: Serves items of kind {{i}} for the teams that need them; a description of a realistic length for a listing.
                team: team-{{i % 20}}
                tags: [t{{i % 5}}, shared]
                openapi: { configMap: { name: doc } }
              rules:
                - matches: [{ path: { value: /api-{{i:D4}} } }]
                  backends: [{ url: "http://127.0.0.1:{{upstreamPort}}" }]
            ---

            """);
    }
    return text.ToString();
}

static int Setting(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;

static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

internal sealed record KonnectUnderTest(Child Child, int Traffic, int Portal) : IDisposable
{
    public void Dispose() => Child.Dispose();
}
