using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>
/// Model blocks name their KonnectPolicy as "namespace/name"; the gateway reads that back into an object reference to
/// report conditions on the policy (JWKS warm-up, Redis health).
/// </summary>
public sealed class PolicyReferenceTests
{
    [Fact]
    public void ParsePolicy_NamespacedName_NamesTheKonnectPolicy()
    {
        var policy = new ObjectRef(KonnectPolicy.KindName, "shop", "jwt-auth");

        Assert.Equal(policy, ObjectRef.ParsePolicy(policy.ToNamespacedName()));
        Assert.Equal("shop/jwt-auth", policy.ToNamespacedName());
    }

    [Theory]
    [InlineData("jwt-auth")]
    [InlineData("/jwt-auth")]
    [InlineData("")]
    public void ParsePolicy_NoNamespace_NamesNoObject(string reference)
    {
        Assert.Null(ObjectRef.ParsePolicy(reference));
    }
}
