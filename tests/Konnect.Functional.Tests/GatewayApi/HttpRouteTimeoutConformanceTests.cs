using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The timeout scenarios, named as the upstream suite names them: a backend that waits (?delay=) past the rule's
/// timeout gets the client a 504, and "0s" turns the timeout off. The suite's 500 ms timeout and 1 s delay are doubled
/// here and up to 1.5 s, so that a loaded two-core machine does not make an answer within the timeout late. Beyond the suite: the timeout bounds the whole
/// exchange, so an answer still streaming when it passes is cut.
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
              timeouts: { request: 1s }
            - matches: [{ path: { type: PathPrefix, value: /disable-request-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { request: 0s }
            """), "request-timeout");

        await h.ExpectStatusAsync("/request-timeout", 200);
        var timedOut = await h.ExpectStatusAsync("/request-timeout?delay=2s", 504);
        Assert.Equal("application/problem+json", timedOut.Headers["content-type"]);
        await h.ExpectStatusAsync("/disable-request-timeout?delay=1500ms", 200);
    }

    [Fact]
    public async Task HTTPRouteTimeoutBackendRequest()
    {
        await h.ScenarioAsync(HttpRoute("backend-request-timeout", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: /backend-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { backendRequest: 1s }
            - matches: [{ path: { type: PathPrefix, value: /disabled-backend-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { backendRequest: 0s }
            """), "backend-request-timeout");

        await h.ExpectStatusAsync("/backend-timeout", 200);
        await h.ExpectStatusAsync("/backend-timeout?delay=2s", 504);
        await h.ExpectStatusAsync("/disabled-backend-timeout?delay=1500ms", 200);
    }

    [Fact]
    public async Task HTTPRouteTimeoutRequest_AnswerStillStreamingAtTheTimeout_IsCut()
    {
        await h.ScenarioAsync(HttpRoute("request-timeout-stream", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: /stream-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { request: 1s }
            - matches: [{ path: { type: PathPrefix, value: /stream-no-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            """), "request-timeout-stream");
        await h.ExpectStatusAsync("/stream-timeout", 200);

        // Without a timeout the 2.5 s stream arrives whole; with 1 s it starts (200) and is then cut.
        Assert.Equal(25, (await StreamAsync("/stream-no-timeout?stream=2500ms")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var cut = await Assert.ThrowsAsync<HttpRequestException>(() => StreamAsync("/stream-timeout?stream=2500ms"));
        Assert.IsAssignableFrom<IOException>(cut.InnerException);
    }

    private async Task<string> StreamAsync(string path)
    {
        using var response = await h.Http.GetAsync($"http://127.0.0.1:{h.Traffic}{path}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
