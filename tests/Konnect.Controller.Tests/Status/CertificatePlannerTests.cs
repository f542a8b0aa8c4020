using Konnect.Api.CertManager;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Status;

namespace Konnect.Controller.Tests.Status;

public sealed class CertificatePlannerTests
{
    [Fact]
    public void Plan_HostsLowercasedSortedDeduplicated_IssuerGroupSet()
    {
        var plan = CertificatePlanner.Plan(Route(["WWW.shop.test", "shop.test", "www.shop.test"], "shop-tls"))!;

        Assert.Null(plan.Problem);
        Assert.Equal("konnect-shop", plan.Desired!.Metadata.Name);
        Assert.Equal(["shop.test", "www.shop.test"], plan.Desired.Spec.DnsNames);
        Assert.Equal(new CertManagerIssuerRef { Name = "ca", Kind = "Issuer", Group = "cert-manager.io" }, plan.Desired.Spec.IssuerRef);
    }

    [Fact]
    public void Plan_WithoutSecretNameOrHosts_IsAProblemNotACertificate()
    {
        Assert.Equal("SecretNameRequired", CertificatePlanner.Plan(Route(["shop.test"], null))!.Problem!.Reason);
        Assert.Equal("NoHosts", CertificatePlanner.Plan(Route([], "shop-tls"))!.Problem!.Reason);
        Assert.Null(CertificatePlanner.Plan(Route(["shop.test"], "shop-tls") with { Spec = new KonnectRouteSpec { Hosts = ["shop.test"] } }));
    }

    [Fact]
    public void OwnedBy_OnlyTheControllerReferenceWithTheRoutesUid()
    {
        var route = Route(["shop.test"], "shop-tls");
        var mine = new Certificate { Metadata = new ObjectMeta { OwnerReferences = [CertificatePlanner.Owner(route)] } };
        var stranger = new Certificate { Metadata = new ObjectMeta { OwnerReferences = [CertificatePlanner.Owner(route) with { Uid = "other" }] } };

        Assert.True(CertificatePlanner.OwnedBy(mine, route));
        Assert.False(CertificatePlanner.OwnedBy(stranger, route));
        Assert.False(CertificatePlanner.OwnedBy(new Certificate(), route));
    }

    [Theory]
    [InlineData(null, "Unknown", "CertificatePending")]
    [InlineData("True", "True", "Ready")]
    [InlineData("False", "False", "Failed")]
    public void Mirror_FollowsTheCertificatesReadyCondition(string? ready, string status, string reason)
    {
        var certificate = new Certificate
        {
            Status = ready is null ? null : new CertificateStatus { Conditions = [new CertificateCondition { Type = "Ready", Status = ready, Reason = ready == "True" ? "Ready" : "Failed", Message = "from cert-manager" }] },
        };

        var condition = CertificatePlanner.Mirror(certificate, "konnect-shop");

        Assert.Equal(("CertificateReady", status, reason), (condition.Type, condition.Status, condition.Reason));
    }

    private static KonnectRoute Route(List<string> hosts, string? secretName) => new()
    {
        Metadata = new ObjectMeta { Name = "shop", Namespace = "default", Uid = "uid-1" },
        Spec = new KonnectRouteSpec { Hosts = hosts, Tls = new RouteTls { SecretName = secretName, IssuerRef = new IssuerReference { Name = "ca" } } },
    };
}
