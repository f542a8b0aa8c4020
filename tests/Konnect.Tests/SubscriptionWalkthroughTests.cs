using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Konnect.Tests.Infrastructure;

namespace Konnect.Tests;

/// <summary>
/// samples/auth/subscriptions followed as its README says, in folder mode with the real binary: the step files are
/// copied one by one into the served folder (the echo upstream's 9101 rewritten to this test's), and /status and the
/// traffic port are checked after each: 401, then Pending and 403, then Approved and 200, and back when un-approved.
/// </summary>
public sealed class SubscriptionWalkthroughTests : IAsyncLifetime
{
    private const string Key = "shopfront-demo-key-1";
    private static readonly string Samples = Path.Combine(Repo.Root, "samples", "auth", "subscriptions");

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-subscriptions-").FullName;
    private readonly int _traffic = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly int _upstream = Repo.FreePort();
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Process _echo = null!;
    private Process _konnect = null!;

    public async Task InitializeAsync()
    {
        _echo = Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{_upstream}", "--name", "stock");
        _konnect = Repo.StartDotnet(Repo.KonnectDll, _output, "run", "--manifests", _dir,
            "--listen", $"http://127.0.0.1:{_traffic}", "--admin-listen", $"http://127.0.0.1:{_admin}");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_admin}/readyz")).IsSuccessStatusCode, "konnect ready");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_upstream}/")).IsSuccessStatusCode, "echo ready");
    }

    public Task DisposeAsync()
    {
        Repo.Stop(_konnect, _echo);
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Walkthrough_StepByStep_NothingThenPending403ThenApproved200()
    {
        Copy("01-owner.yaml", "01-owner.yaml");
        await EventuallyAsync(() => CallAsync(), 401, "step 1: no consumer has the key yet");
        var statuses = await StatusAsync();
        Assert.Equal("Accepted", Condition(statuses, "KonnectPolicy", "inventory", "stock-access", "Accepted"));
        Assert.Equal("Programmed", Condition(statuses, "KonnectRoute", "inventory", "stock", "Programmed"));

        Copy("02-consumer.yaml", "02-consumer.yaml");
        await EventuallyAsync(async () => Subscription(await StatusAsync()), "Pending", "step 2: the subscription waits for the owner");
        await EventuallyAsync(() => CallAsync(), 403, "step 2: a known consumer that is not approved");
        var forbidden = await SendAsync();
        Assert.Contains("/consumer-forbidden", forbidden.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, forbidden.Body, StringComparison.Ordinal);

        // The owner's edit: the next version of 01-owner.yaml replaces it, as the README says.
        Copy("03-owner-approves.yaml.next", "01-owner.yaml");
        await EventuallyAsync(async () => Subscription(await StatusAsync()), "Approved", "step 3: the owner approved");
        await EventuallyAsync(() => CallAsync(), 200, "step 3: the approved consumer gets through");
        var echo = JsonDocument.Parse((await SendAsync()).Body).RootElement;
        Assert.Equal("/stock/42", echo.GetProperty("path").GetString());
        Assert.Equal("stores/shopfront", echo.GetProperty("headers").GetProperty("x-konnect-consumer").GetString());

        // Taking the approval back closes the door again.
        Copy("01-owner.yaml", "01-owner.yaml");
        await EventuallyAsync(async () => Subscription(await StatusAsync()), "Pending", "the approval was withdrawn");
        await EventuallyAsync(() => CallAsync(), 403, "the approval was withdrawn");
    }

    /// <summary>Writes a sample file into the served folder whole (renamed into place), pointed at this test's upstream.</summary>
    private void Copy(string sample, string target)
    {
        var text = File.ReadAllText(Path.Combine(Samples, sample));
        if (text.Contains("kind: KonnectRoute", StringComparison.Ordinal)) { Assert.Contains("http://127.0.0.1:9101", text, StringComparison.Ordinal); }
        var temp = Path.Combine(_dir, ".writing");
        File.WriteAllText(temp, text.Replace("http://127.0.0.1:9101", $"http://127.0.0.1:{_upstream}", StringComparison.Ordinal));
        File.Move(temp, Path.Combine(_dir, target), overwrite: true);
    }

    private async Task<(int Status, string Body)> SendAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_traffic}/stock/42");
        request.Headers.Add("x-api-key", Key);
        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<int> CallAsync() => (await SendAsync()).Status;

    private async Task<JsonElement> StatusAsync()
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync($"http://127.0.0.1:{_admin}/status"));
        return json.RootElement.Clone();
    }

    private static JsonElement? Find(JsonElement statuses, string kind, string ns, string name) =>
        statuses.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(s =>
        {
            var o = s!.Value.GetProperty("object");
            return o.GetProperty("kind").GetString() == kind && o.GetProperty("namespace").GetString() == ns && o.GetProperty("name").GetString() == name;
        });

    /// <summary>The reason of a condition that is True, or a description of what was found instead.</summary>
    private static string Condition(JsonElement statuses, string kind, string ns, string name, string type)
    {
        if (Find(statuses, kind, ns, name) is not { } status) { return $"{kind} {ns}/{name} not in /status"; }
        var condition = status.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("type").GetString() == type);
        return condition.GetProperty("status").GetString() == "True" ? condition.GetProperty("reason").GetString()! : condition.ToString();
    }

    /// <summary>The state of stores/shopfront's one subscription, which must be to inventory/stock.</summary>
    private static string Subscription(JsonElement statuses)
    {
        if (Find(statuses, "KonnectConsumer", "stores", "shopfront") is not { } consumer) { return "no consumer"; }
        Assert.Equal("Accepted", Condition(statuses, "KonnectConsumer", "stores", "shopfront", "Accepted"));
        var subscription = consumer.GetProperty("subscriptions").EnumerateArray().Single();
        Assert.Equal("inventory/stock", subscription.GetProperty("route").GetString());
        return subscription.GetProperty("state").GetString()!;
    }

    private async Task EventuallyAsync<T>(Func<Task<T>> read, T expected, string what)
    {
        var last = default(T);
        try
        {
            await Repo.EventuallyAsync(async () => EqualityComparer<T>.Default.Equals(last = await read(), expected), what, seconds: 15);
        }
        catch (TimeoutException)
        {
            string output;
            lock (_output) { output = _output.ToString(); }
            Assert.Fail($"{what}: expected {expected}, last saw {last}\nKonnect's output:\n{output}");
        }
    }
}
