using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The timeout scenarios, named as the upstream suite names them: a backend that waits (?delay=1s) past the rule's
/// timeout gets the client a 504, and "0s" turns the timeout off.
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class HttpRouteTimeoutConformanceTests(ConformanceHarness h)
{
    [Fact]
    public async Task HTTPRouteTimeoutRequest()
    {
        await h.ScenarioAsync(HttpRoute("request-timeout", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: /request-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { request: 500ms }
            - matches: [{ path: { type: PathPrefix, value: /disable-request-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { request: 0s }
            """), "request-timeout");

        await h.ExpectStatusAsync("/request-timeout", 200);
        var timedOut = await h.ExpectStatusAsync("/request-timeout?delay=1s", 504);
        Assert.Equal("application/problem+json", timedOut.Headers["content-type"]);
        await h.ExpectStatusAsync("/disable-request-timeout?delay=1s", 200);
    }

    [Fact]
    public async Task HTTPRouteTimeoutBackendRequest()
    {
        await h.ScenarioAsync(HttpRoute("backend-request-timeout", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: /backend-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { backendRequest: 500ms }
            - matches: [{ path: { type: PathPrefix, value: /disabled-backend-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { backendRequest: 0s }
            """), "backend-request-timeout");

        await h.ExpectStatusAsync("/backend-timeout", 200);
        await h.ExpectStatusAsync("/backend-timeout?delay=1s", 504);
        await h.ExpectStatusAsync("/disabled-backend-timeout?delay=1s", 200);
    }
}
