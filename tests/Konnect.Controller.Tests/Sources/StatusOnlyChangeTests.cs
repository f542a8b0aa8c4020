using System.Text.Json;
using Konnect.Api.Json;
using Konnect.Api.CertManager;
using Konnect.Controller.Sources;

namespace Konnect.Controller.Tests.Sources;

/// <summary>A watch event skips the translation pass only when nothing but a Konnect object's status moved.</summary>
public sealed class StatusOnlyChangeTests
{
    private const string Stored = """
        {"apiVersion":"konnect.dev/v1alpha1","kind":"KonnectRoute",
         "metadata":{"name":"r","namespace":"ns","uid":"u1","resourceVersion":"10","generation":2,"labels":{"team":"a"},"annotations":{"note":"x"}},
         "spec":{"hosts":["a.test"],"rules":[{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],"backends":[{"service":"s","port":80}]}]}}
        """;

    [Fact]
    public void Between_StatusAndResourceVersionChanged_IsStatusOnly()
    {
        var next = Route(Stored.Replace("\"resourceVersion\":\"10\"", "\"resourceVersion\":\"11\"").Replace(
            "\"spec\":", "\"status\":{\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\",\"message\":\"ok\"}]},\"spec\":"));

        Assert.True(StatusOnlyChange.Between(Route(Stored), next));
    }

    [Theory]
    [InlineData("\"generation\":2", "\"generation\":3")]
    [InlineData("\"value\":\"/\"", "\"value\":\"/v2\"")]
    [InlineData("\"team\":\"a\"", "\"team\":\"b\"")]
    [InlineData("\"note\":\"x\"", "\"note\":\"y\"")]
    [InlineData("\"uid\":\"u1\"", "\"uid\":\"u2\"")]
    public void Between_MoreThanStatusChanged_IsNotStatusOnly(string from, string to)
    {
        Assert.True(Stored.Contains(from, StringComparison.Ordinal));

        Assert.False(StatusOnlyChange.Between(Route(Stored), Route(Stored.Replace(from, to))));
    }

    [Fact]
    public void Between_CertificateStatusChanged_IsNotStatusOnly()
    {
        // The translator reads a Certificate's Ready condition: its status events must still bring a pass.
        const string certificate = """
            {"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"c","namespace":"ns","generation":1},"spec":{"secretName":"tls"}}
            """;
        var ready = certificate.Replace("\"spec\":", "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]},\"spec\":");

        Assert.False(StatusOnlyChange.Between(Certificate(certificate), Certificate(ready)));
    }

    [Theory]
    [InlineData("GatewayClass", """{"controllerName":"konnect.dev/gateway-controller"}""", """{"conditions":[{"type":"Accepted","status":"True","reason":"Accepted"}]}""")]
    [InlineData("Gateway", """{"gatewayClassName":"konnect","listeners":[{"name":"http","port":80,"protocol":"HTTP"}]}""", """{"listeners":[{"name":"http","attachedRoutes":1,"supportedKinds":[],"conditions":[]}]}""")]
    [InlineData("HTTPRoute", """{"parentRefs":[{"name":"gw"}]}""", """{"parents":[{"parentRef":{"name":"gw"},"controllerName":"example.com/other","conditions":[]}]}""")]
    public void Between_GatewayApiStatusChanged_IsStatusOnly_ButAGenerationChangeIsNot(string kind, string spec, string status)
    {
        var stored = $$"""{"apiVersion":"gateway.networking.k8s.io/v1","kind":"{{kind}}","metadata":{"name":"x","namespace":"ns","resourceVersion":"1","generation":1},"spec":{{spec}}}""";
        var written = stored.Replace("\"resourceVersion\":\"1\"", "\"resourceVersion\":\"2\"", StringComparison.Ordinal)[..^1] + $",\"status\":{status}}}";
        var edited = stored.Replace("\"generation\":1", "\"generation\":2", StringComparison.Ordinal);

        Assert.True(StatusOnlyChange.Between(GatewayApi(kind, stored), GatewayApi(kind, written)));
        Assert.False(StatusOnlyChange.Between(GatewayApi(kind, stored), GatewayApi(kind, edited)));
    }

    private static Konnect.Api.Kubernetes.IKubernetesObject GatewayApi(string kind, string json) => kind switch
    {
        "GatewayClass" => JsonSerializer.Deserialize(json, KonnectJsonContext.Default.GatewayClass)!,
        "Gateway" => JsonSerializer.Deserialize(json, KonnectJsonContext.Default.Gateway)!,
        _ => JsonSerializer.Deserialize(json, KonnectJsonContext.Default.HttpRoute)!,
    };

    private static Konnect.Api.V1Alpha1.KonnectRoute Route(string json) => JsonSerializer.Deserialize(json, KonnectJsonContext.Default.KonnectRoute)!;

    private static Certificate Certificate(string json) => JsonSerializer.Deserialize(json, KonnectJsonContext.Default.Certificate)!;
}
