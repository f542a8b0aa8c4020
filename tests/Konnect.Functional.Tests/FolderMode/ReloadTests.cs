using System.Diagnostics;
using Konnect.Testing;

namespace Konnect.Functional.Tests.FolderMode;

/// <summary>
/// Configuration changes must never cost a request: the real `konnect` binary serves a folder that is rewritten 100
/// times (each rewrite applied before the next), while a client sends requests without pause to a route that stays
/// the same.
/// </summary>
public sealed class ReloadTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-reload-").FullName;
    private readonly int _traffic = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly int _upstream = Repo.FreePort();
    private readonly List<Process> _processes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly System.Text.StringBuilder _output = new();

    public async Task InitializeAsync()
    {
        _processes.Add(Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{_upstream}", "--name", "stable"));
        WriteStable();
        WriteChanging(0);
        _processes.Add(Repo.StartDotnet(Repo.KonnectDll, _output, "run", "--manifests", _dir,
            "--listen", $"http://127.0.0.1:{_traffic}", "--admin-listen", $"http://127.0.0.1:{_admin}"));
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_traffic}/stable/x")).IsSuccessStatusCode, "the stable route");
    }

    public Task DisposeAsync()
    {
        Repo.Stop([.. _processes]);
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Rewrite100Times_WhileRequestsFlow_ZeroFailedRequests()
    {
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var sent = 0;
        var client = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await _http.GetAsync($"http://127.0.0.1:{_traffic}/stable/x");
                    if (!response.IsSuccessStatusCode)
                    {
                        var body = await response.Content.ReadAsStringAsync();
                        lock (failures) { failures.Add($"{(int)response.StatusCode}: {body}"); }
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    lock (failures) { failures.Add(e.Message); }
                }
                Interlocked.Increment(ref sent);
            }
        });

        for (var i = 1; i <= 100; i++)
        {
            if (i % 10 == 0)
            {
                // A half-written file: the last good content of that file keeps serving.
                File.WriteAllText(Path.Combine(_dir, "changing.yaml"), "apiVersion: konnect.dev/v1alpha1\nkind: KonnectRoute\nmetadata: { name: changing\n");
            }
            WriteStable();
            WriteChanging(i);
            var marker = $"/changing-{i}";
            try
            {
                await Repo.EventuallyAsync(async () => (await _http.GetStringAsync($"http://127.0.0.1:{_admin}/config")).Contains(marker, StringComparison.Ordinal),
                    $"rewrite {i} to be applied", seconds: 45);
            }
            catch (TimeoutException e)
            {
                string log;
                lock (_output) { log = _output.ToString(); }
                throw new TimeoutException($"{e.Message}; konnect said:\n{(log.Length > 6000 ? log[^6000..] : log)}", e);
            }
        }
        var changed = await _http.GetAsync($"http://127.0.0.1:{_traffic}/changing-100/y");
        await stop.CancelAsync();
        await client;

        Assert.Equal(200, (int)changed.StatusCode);
        Assert.True(sent > 100, $"the client should have kept sending, sent {sent}");
        Assert.Empty(failures);
    }

    private void WriteStable() => File.WriteAllText(Path.Combine(_dir, "stable.yaml"), $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: stable }
        spec:
          rules:
            - matches: [{ path: { value: /stable } }]
              backends: [{ url: "http://127.0.0.1:{{_upstream}}" }]
        """);

    private void WriteChanging(int i) => File.WriteAllText(Path.Combine(_dir, "changing.yaml"), $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: changing }
        spec:
          rules:
            - matches: [{ path: { value: /changing-{{i}} } }]
              backends: [{ url: "http://127.0.0.1:{{_upstream}}", weight: {{i % 5 + 1}} }]
        """);
}
