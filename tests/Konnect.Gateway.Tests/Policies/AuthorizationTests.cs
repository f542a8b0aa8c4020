using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Policies.AuthenticationTests;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>Authorization over real sockets: 403 for a known consumer that is not allowed, 200 otherwise.</summary>
public sealed class AuthorizationTests
{
    private static async Task<(HttpStatusCode Status, string Body)> CallAsync(AuthorizationModel authorization, string key)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, ApiKey with { AnonymousConsumer = "test/guest" }, authorization));
        using var response = await gateway.GetAsync("/x", headers: key.Length == 0 ? [] : [("x-api-key", key)]);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            var problem = await TestGateway.ProblemAsync(response);
            Assert.EndsWith("/consumer-forbidden", problem.GetProperty("type").GetString());
            Assert.Equal(0, backend.RequestCount);
        }
        return (response.StatusCode, body);
    }

    [Theory]
    [InlineData(new[] { "gold" }, AcmeKey, HttpStatusCode.OK)]
    [InlineData(new[] { "platinum" }, AcmeKey, HttpStatusCode.Forbidden)]
    // The anonymous consumer is a consumer like any other: its groups count.
    [InlineData(new[] { "gold" }, "", HttpStatusCode.Forbidden)]
    [InlineData(new[] { "public" }, "", HttpStatusCode.OK)]
    public async Task ConsumerGroups_AllowOrDeny(string[] groups, string key, HttpStatusCode expected)
    {
        var (status, body) = await CallAsync(new AuthorizationModel { Policy = "test/authz", ConsumerGroups = groups }, key);

        Assert.Equal(expected, status);
        Assert.DoesNotContain(AcmeKey, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("partners/acme", HttpStatusCode.OK)]
    [InlineData("partners/other", HttpStatusCode.Forbidden)]
    public async Task ApprovedConsumers_AllowedByName(string approved, HttpStatusCode expected)
    {
        var (status, _) = await CallAsync(new AuthorizationModel { Policy = "test/authz", ApprovedConsumers = [approved] }, AcmeKey);

        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData(AcmeKey, HttpStatusCode.OK)] // acme subscribed to test/auth
    [InlineData("", HttpStatusCode.Forbidden)] // guest is approved too, but did not subscribe
    public async Task RequireSubscription_NeedsTheRouteInTheConsumersSubscriptions(string key, HttpStatusCode expected)
    {
        var authorization = new AuthorizationModel { Policy = "test/authz", RequireSubscription = true, ApprovedConsumers = ["partners/acme", "test/guest"] };

        var (status, _) = await CallAsync(authorization, key);

        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task RequireSubscription_WithoutApproval_Is403AsThePendingSubscriptionSays()
    {
        // acme subscribed, but nobody is approved by name or group yet: its subscription status is Pending.
        var (status, body) = await CallAsync(new AuthorizationModel { Policy = "test/authz", RequireSubscription = true }, AcmeKey);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("neither approved nor in an allowed group", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorization_WithoutAuthentication_RefusesWith401()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, null, new AuthorizationModel { Policy = "test/authz", ConsumerGroups = ["gold"] }));

        using var response = await gateway.GetAsync("/x", headers: [("x-api-key", AcmeKey)]);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, backend.RequestCount);
    }
}
