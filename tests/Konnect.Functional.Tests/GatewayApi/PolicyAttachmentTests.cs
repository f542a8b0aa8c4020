using Konnect.Testing;
using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// KonnectPolicy attached by targetRefs (Gateway API policy attachment) and by an ExtensionRef filter: a Gateway's
/// policy reaches every route attached to it, a route's overrides it, a rule's ExtensionRef overrides both; the policy's
/// Attached condition says what it is attached to, and its status.ancestors (the Gateway API's) the Gateways it takes
/// effect through.
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class PolicyAttachmentTests(ConformanceHarness h)
{
    private static string Policy(string name, string header, string targets) => $$"""
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: { name: {{name}}, namespace: {{Infra}} }
        spec:
          targetRefs: {{targets}}
          responseTransform: { headers: { set: [{ name: x-policy, value: {{header}} }] } }

        """;

    [Fact]
    public async Task TargetRefs_GatewayThenRouteThenExtensionRef_MoreSpecificWins()
    {
        await h.ScenarioAsync(Scenario("[{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: attached-b }]"), "attached-a", "attached-b", "nowhere", "broken");

        await h.ExpectAsync(() => h.SendAsync("/a"), a => a.Status == 200 && a.Headers.GetValueOrDefault("x-policy") == "gateway", "/a gets the Gateway's policy");
        await h.ExpectAsync(() => h.SendAsync("/b"), a => a.Status == 200 && a.Headers.GetValueOrDefault("x-policy") == "route", "/b gets its route's policy over the Gateway's");
        await h.ExpectAsync(() => h.SendAsync("/c"), a => a.Status == 200 && a.Headers.GetValueOrDefault("x-policy") == "rule", "/c gets its rule's ExtensionRef over both");

        var gatewayWide = await Attached("gateway-wide");
        Assert.Equal(("True", "Attached", "Attached to Gateway gateway-conformance-infra/same-namespace"), gatewayWide);
        var nowhere = await Attached("nowhere");
        Assert.Equal(("False", "TargetNotFound"), (nowhere.Status, nowhere.Reason));
        Assert.Contains("HTTPRoute gateway-conformance-infra/missing", nowhere.Message, StringComparison.Ordinal);

        // status.ancestors: the targeted Gateway; a targeted route's Gateway; none for a target not found; an invalid
        // policy's Gateway with Accepted False (Invalid).
        Assert.Equal([("same-namespace", "True", "Accepted")], await Ancestors("gateway-wide"));
        Assert.Equal([("same-namespace", "True", "Accepted")], await Ancestors("route-wide"));
        Assert.Empty(await Ancestors("nowhere"));
        Assert.Equal([("same-namespace", "False", "Invalid")], await Ancestors("broken"));

        // An edit to a policy's targetRefs alone moves it: now on attached-a too.
        await h.ScenarioAsync(Scenario("[{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: attached-b }, { group: gateway.networking.k8s.io, kind: HTTPRoute, name: attached-a }]"),
            "attached-a");
        await h.ExpectAsync(() => h.SendAsync("/a"), a => a.Status == 200 && a.Headers.GetValueOrDefault("x-policy") == "route", "/a gets the route policy once it targets attached-a");
    }

    private static string Scenario(string routeWideTargets) =>
            Policy("gateway-wide", "gateway", "[{ group: gateway.networking.k8s.io, kind: Gateway, name: same-namespace }]")
            + Policy("route-wide", "route", routeWideTargets)
            + Policy("rule-only", "rule", "[]")
            + Policy("nowhere", "none", "[{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: missing }]")
            + $$"""
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: broken, namespace: {{Infra}} }
            spec:
              targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: attached-broken }]
              ipAccess: { allow: [not-an-address] }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: attached-broken, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules: [{ matches: [{ path: { value: /broken } }], backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: attached-a, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules: [{ matches: [{ path: { value: /a } }], backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: attached-b, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules:
                - { matches: [{ path: { value: /b } }], backendRefs: [{ name: infra-backend-v1, port: 8080 }] }
                - matches: [{ path: { value: /c } }]
                  filters: [{ type: ExtensionRef, extensionRef: { group: konnect.dev, kind: KonnectPolicy, name: rule-only } }]
                  backendRefs: [{ name: infra-backend-v1, port: 8080 }]

            """;

    private async Task<List<(string Gateway, string Status, string Reason)>> Ancestors(string policy)
    {
        var status = await h.StatusOfAsync("KonnectPolicy", Infra, policy);
        return [.. (status["ancestors"]?.AsArray() ?? []).Select(a =>
        {
            Assert.Equal("konnect.dev/gateway-controller", a!["controllerName"]!.GetValue<string>());
            Assert.Equal(("gateway.networking.k8s.io", "Gateway", Infra),
                (a["ancestorRef"]!["group"]!.GetValue<string>(), a["ancestorRef"]!["kind"]!.GetValue<string>(), a["ancestorRef"]!["namespace"]!.GetValue<string>()));
            var accepted = a["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Accepted")!;
            return (a["ancestorRef"]!["name"]!.GetValue<string>(), accepted["status"]!.GetValue<string>(), accepted["reason"]!.GetValue<string>());
        })];
    }

    private async Task<(string Status, string Reason, string Message)> Attached(string policy)
    {
        var status = await h.StatusOfAsync("KonnectPolicy", Infra, policy);
        var condition = status["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Attached")!;
        return (condition["status"]!.GetValue<string>(), condition["reason"]!.GetValue<string>(), condition["message"]!.GetValue<string>());
    }
}
