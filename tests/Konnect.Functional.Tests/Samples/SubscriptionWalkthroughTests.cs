using System.Text.Json;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Testing;

namespace Konnect.Functional.Tests.Samples;

/// <summary>
/// samples/auth/subscriptions followed as its README says, in folder mode with the real binary: the step files are
/// copied one by one into the served folder (the echo upstream's 9101 rewritten to this test's), and /status and the
/// traffic port are checked after each: 401, then Pending and 403, then Approved and 200, and back when un-approved.
/// </summary>
public sealed class SubscriptionWalkthroughTests : IAsyncLifetime
{
    private const string Key = "shopfront-demo-key-1";
    private static readonly string Samples = Path.Combine(Repo.Root, "samples", "auth", "subscriptions");

    private readonly FolderModeHost _host = new("konnect-subscriptions-");

    public async Task InitializeAsync()
    {
        await _host.StartAsync("stock");
    }

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

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
        var temp = Path.Combine(_host.Dir, ".writing");
        File.WriteAllText(temp, text.Replace("http://127.0.0.1:9101", $"http://127.0.0.1:{_host.Upstream}", StringComparison.Ordinal));
        File.Move(temp, Path.Combine(_host.Dir, target), overwrite: true);
    }

    private async Task<(int Status, string Body)> SendAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_host.Traffic}/stock/42");
        request.Headers.Add("x-api-key", Key);
        using var response = await _host.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<int> CallAsync() => (await SendAsync()).Status;

    private async Task<JsonElement> StatusAsync()
    {
        using var json = JsonDocument.Parse(await _host.Http.GetStringAsync($"http://127.0.0.1:{_host.Admin}/status"));
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
            output = _host.Output;
            Assert.Fail($"{what}: expected {expected}, last saw {last}\nKonnect's output:\n{output}");
        }
    }
}
