using System.Net;
using System.Text;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Jwt;
using static Konnect.Gateway.Tests.Policies.AuthenticationTests;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>
/// One route with apiKey, basic and jwt together, as the README documents it: each method works alone; methods are
/// tried in the order apiKey, basic, jwt and the first one that finds a credential decides, so a wrong API key is 401
/// whatever the Authorization header holds, and a right one is not second-guessed by it (the header is still removed).
/// </summary>
public sealed class AuthenticationOrderTests : IAsyncLifetime
{
    private const string Issuer = "https://idp.order.test";

    private static readonly ConsumerModel Dana = new() { Namespace = "partners", Name = "dana", JwtIssuer = Issuer, JwtSubject = "dana" };

    private readonly TestKey _key = TestKey.NewEc("ec-1");
    private TestJwks _jwks = null!;
    private TestBackend _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _jwks = await TestJwks.StartAsync(_key);
        _backend = await TestBackend.StartAsync();
        _gateway = await TestGateway.StartAsync();
        var authentication = ApiKey with
        {
            BasicRealm = "shop",
            Jwt = new JwtModel
            {
                Issuer = Issuer, Audiences = ["konnect-api"], Algorithms = ["ES256", "RS256"], JwksUri = _jwks.Url,
                ClockSkew = TimeSpan.FromSeconds(30), ConsumerClaim = "sub",
            },
        };
        var model = TestGateway.Model(Protected(_backend, authentication)) with { Consumers = [Acme, Bob, Dana] };
        var result = await _gateway.Publisher.PublishAsync(model, CancellationToken.None);
        Assert.True(result.Applied);
        Assert.Empty(result.Rejected);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _jwks.DisposeAsync();
    }

    private static (string, string) Basic(string user, string password) =>
        ("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private (string, string) Bearer(string subject = "dana") => ("Authorization", "Bearer " + _key.Sign(Issuer, subject));

    /// <summary>The consumer the upstream was told about, or the status code when the gateway refused.</summary>
    private async Task<string> ConsumerAsync(params (string Name, string Value)[] headers)
    {
        var body = await _gateway.BodyAsync("/headers", headers: headers);
        if (!body.StartsWith('/')) { return body; }
        Assert.DoesNotContain("authorization:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("x-api-key:", body, StringComparison.Ordinal);
        var line = body.Split('\n').Single(l => l.StartsWith("x-konnect-consumer: ", StringComparison.Ordinal));
        return line["x-konnect-consumer: ".Length..];
    }

    [Fact]
    public async Task EachMethod_Alone_Works()
    {
        Assert.Equal("partners/acme", await ConsumerAsync(("x-api-key", AcmeKey)));
        Assert.Equal("partners/bob", await ConsumerAsync(Basic("bob", BobPassword)));
        Assert.Equal("partners/dana", await ConsumerAsync(Bearer()));
    }

    [Fact]
    public async Task WrongApiKey_WithAValidBasicOrBearerCredential_Is401()
    {
        Assert.Equal("401", await ConsumerAsync(("x-api-key", "wrong-key"), Basic("bob", BobPassword)));
        Assert.Equal("401", await ConsumerAsync(("x-api-key", "wrong-key"), Bearer()));
        Assert.Equal(0, _backend.RequestCount);
    }

    [Fact]
    public async Task ValidApiKey_Decides_AuthorizationHeaderStillRemoved()
    {
        Assert.Equal("partners/acme", await ConsumerAsync(("x-api-key", AcmeKey), Basic("bob", "not-the-password")));
        Assert.Equal("partners/acme", await ConsumerAsync(("x-api-key", AcmeKey), Bearer("nobody")));
        Assert.Equal("partners/acme", await ConsumerAsync(("x-api-key", AcmeKey), Bearer()));
    }

    [Fact]
    public async Task WrongBasicOrBearer_Is401_ChallengeNamesBothSchemes()
    {
        using var wrongBasic = await _gateway.GetAsync("/x", headers: [Basic("bob", "not-the-password")]);
        using var unknownSubject = await _gateway.GetAsync("/x", headers: [Bearer("nobody")]);
        using var none = await _gateway.GetAsync("/x");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongBasic.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownSubject.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(["Basic realm=\"shop\", charset=\"UTF-8\"", "Bearer"], none.Headers.WwwAuthenticate.Select(h => h.ToString()));
        Assert.Equal(0, _backend.RequestCount);
    }
}
