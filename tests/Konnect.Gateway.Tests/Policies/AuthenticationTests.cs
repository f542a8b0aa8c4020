using System.Net;
using System.Security.Cryptography;
using System.Text;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>Authentication and the identity headers over real sockets; consumers carry hashes as the translator makes them.</summary>
public sealed class AuthenticationTests
{
    internal const string AcmeKey = "acme-secret-key-1";
    internal const string AcmeNewKey = "acme-secret-key-2";
    internal const string BobPassword = "b0b-p@ss:word";

    internal static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    internal static readonly ConsumerModel Acme = new()
    {
        Namespace = "partners", Name = "acme", Groups = ["beta", "gold"], Subscriptions = ["test/auth"],
        ApiKeyHashes = [Hash(AcmeKey), Hash(AcmeNewKey)], CredentialsVersion = "a",
    };

    internal static readonly ConsumerModel Bob = new()
    {
        Namespace = "partners", Name = "bob", BasicUsername = "bob", BasicPasswordHash = Hash(BobPassword), CredentialsVersion = "b",
    };

    internal static readonly ConsumerModel Guest = new() { Namespace = "test", Name = "guest", Groups = ["public"] };

    internal static RouteModel Protected(TestBackend backend, AuthenticationModel? authentication, AuthorizationModel? authorization = null) =>
        Routes.Route("auth", backend.Url("/auth")) with
        {
            Policies = new PoliciesModel { Authentication = authentication, Authorization = authorization },
        };

    internal static async Task<TestGateway> StartAsync(params RouteModel[] routes)
    {
        var gateway = await TestGateway.StartAsync();
        var result = await gateway.Publisher.PublishAsync(TestGateway.Model(routes) with { Consumers = [Acme, Bob, Guest] }, CancellationToken.None);
        Assert.True(result.Applied);
        Assert.Empty(result.Rejected);
        return gateway;
    }

    internal static readonly AuthenticationModel ApiKey = new() { Policy = "test/keys", ApiKeyHeader = "x-api-key", ApiKeyQuery = "apikey" };

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type, params string[] secrets)
    {
        Assert.Equal(status, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        foreach (var secret in secrets) { Assert.DoesNotContain(secret, text, StringComparison.Ordinal); }
        var problem = await TestGateway.ProblemAsync(response);
        Assert.EndsWith("/" + type, problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ApiKey_Right_PassesAndIsReplacedByIdentityHeaders()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, ApiKey));

        var body = await gateway.BodyAsync("/headers", headers: [("x-api-key", AcmeKey), ("x-konnect-consumer", "partners/spoofed"), ("x-konnect-consumer-groups", "admin")]);

        Assert.DoesNotContain(AcmeKey, body, StringComparison.Ordinal);
        Assert.DoesNotContain("x-api-key", body, StringComparison.Ordinal);
        Assert.Contains("x-konnect-consumer: partners/acme\n", body + "\n", StringComparison.Ordinal);
        Assert.Contains("x-konnect-consumer-groups: beta,gold", body, StringComparison.Ordinal);
        Assert.DoesNotContain("spoofed", body, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AcmeKey)]
    [InlineData(AcmeNewKey)]
    public async Task ApiKey_BothKeysOfARotation_Work(string key)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, ApiKey));

        using var response = await gateway.GetAsync("/x", headers: [("x-api-key", key)]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("apikey")]
    [InlineData("APIKEY")]
    [InlineData("ApiKey")]
    public async Task ApiKey_InTheQueryParameter_WorksAndIsRemoved(string name)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, ApiKey));

        var body = await gateway.BodyAsync($"/headers?a=1&{name}={AcmeKey}&b=2");

        Assert.StartsWith("/auth/headers?a=1&b=2\n", body, StringComparison.Ordinal);
        Assert.Contains("x-konnect-consumer: partners/acme", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong-key")]
    [InlineData(null)]
    public async Task ApiKey_WrongOrMissing_Gets401WithoutReachingTheUpstream(string? key)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, ApiKey));

        using var response = await gateway.GetAsync("/x", headers: key is null ? [] : [("x-api-key", key)]);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized", "wrong-key");
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
        Assert.Equal(0, backend.RequestCount);
    }

    private static readonly AuthenticationModel Basic = new() { Policy = "test/basic", BasicRealm = "shop" };

    private static (string, string) BasicHeader(string user, string password) =>
        ("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    [Fact]
    public async Task Basic_RightPassword_PassesAndTheHeaderIsRemoved()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, Basic));

        var body = await gateway.BodyAsync("/headers", headers: [BasicHeader("bob", BobPassword)]);

        Assert.Contains("x-konnect-consumer: partners/bob", body, StringComparison.Ordinal);
        Assert.DoesNotContain("authorization", body, StringComparison.Ordinal);
        Assert.DoesNotContain("x-konnect-consumer-groups", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bob", "not-the-password")]
    [InlineData("nobody", BobPassword)]
    [InlineData(null, null)]
    public async Task Basic_WrongOrMissing_Gets401WithAChallenge(string? user, string? password)
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, Basic));

        using var response = await gateway.GetAsync("/x", headers: user is null ? [] : [BasicHeader(user, password!)]);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized", BobPassword, "not-the-password");
        Assert.Equal("Basic realm=\"shop\", charset=\"UTF-8\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(0, backend.RequestCount);
    }

    [Fact]
    public async Task Anonymous_UsedOnlyWhenNoCredentialIsPresented()
    {
        await using var backend = await TestBackend.StartAsync();
        var authentication = ApiKey with { AnonymousConsumer = "test/guest" };
        await using var gateway = await StartAsync(Protected(backend, authentication));

        var body = await gateway.BodyAsync("/headers");
        using var wrong = await gateway.GetAsync("/x", headers: [("x-api-key", "wrong-key")]);
        var known = await gateway.BodyAsync("/headers", headers: [("x-api-key", AcmeKey)]);

        Assert.Contains("x-konnect-consumer: test/guest", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("x-konnect-consumer: partners/acme", known, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpoofedIdentityHeaders_UnprotectedRoute_RemovedToo()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Routes.Route("open", backend.Url("/open")));

        var body = await gateway.BodyAsync("/headers", headers: [("x-konnect-consumer", "partners/acme"), ("X-Konnect-Consumer-Groups", "gold")]);

        Assert.DoesNotContain("x-konnect-consumer", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_Consumers_ShownWithoutCredentialHashes()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(Protected(backend, ApiKey));

        var config = await gateway.Admin.GetStringAsync("/config");

        Assert.Contains("\"name\": \"acme\"", config, StringComparison.Ordinal);
        Assert.Contains("credentialsVersion", config, StringComparison.Ordinal);
        foreach (var secret in new[] { Hash(AcmeKey), Hash(AcmeNewKey), Hash(BobPassword), AcmeKey, BobPassword })
        {
            Assert.DoesNotContain(secret, config, StringComparison.Ordinal);
        }
    }
}
