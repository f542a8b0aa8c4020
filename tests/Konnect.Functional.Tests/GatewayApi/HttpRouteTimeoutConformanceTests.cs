using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The timeout scenarios, named as the upstream suite names them: a backend that waits (?delay=1s) past the rule's
/// timeout gets the client a 504, and "0s" turns the timeout off.
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class HttpRouteTimeoutConformanceTests(ConformanceHarness h)
{
    private Task<Answer> ExpectStatus(string path, int status) =>
        h.ExpectAsync(() => h.SendAsync(path), a => a.Status == status, $"{path} answered {status}");

    [Fact]
    public async Task HTTPRouteTimeoutRequest()
    {
        await h.ScenarioAsync(HttpRoute("request-timeout", Infra, "[{ name: same-namespace }]", """
            - matches: [{ path: { type: PathPrefix, value: /request-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { request: 500ms }
            - matches: [{ path: { type: PathPrefix, value: /disable-request-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { request: 0s }
            """), "request-timeout");

        await ExpectStatus("/request-timeout", 200);
        var timedOut = await ExpectStatus("/request-timeout?delay=1s", 504);
        Assert.Equal("application/problem+json", timedOut.Headers["content-type"]);
        await ExpectStatus("/disable-request-timeout?delay=1s", 200);
    }

    [Fact]
    public async Task HTTPRouteTimeoutBackendRequest()
    {
        await h.ScenarioAsync(HttpRoute("backend-request-timeout", Infra, "[{ name: same-namespace }]", """
            - matches: [{ path: { type: PathPrefix, value: /backend-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { backendRequest: 500ms }
            - matches: [{ path: { type: PathPrefix, value: /disabled-backend-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { backendRequest: 0s }
            """), "backend-request-timeout");

        await ExpectStatus("/backend-timeout", 200);
        await ExpectStatus("/backend-timeout?delay=1s", 504);
        await ExpectStatus("/disabled-backend-timeout?delay=1s", 200);
    }
}
