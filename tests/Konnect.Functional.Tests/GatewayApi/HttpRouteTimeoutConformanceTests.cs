using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The timeout scenarios, named as the upstream suite names them: a backend that waits (?delay=1s) past the rule's
/// timeout gets the client a 504, and "0s" turns the timeout off. Beyond the suite: the timeout bounds the whole
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

    [Fact]
    public async Task HTTPRouteTimeoutRequest_AnswerStillStreamingAtTheTimeout_IsCut()
    {
        await h.ScenarioAsync(HttpRoute("request-timeout-stream", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: /stream-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
              timeouts: { request: 500ms }
            - matches: [{ path: { type: PathPrefix, value: /stream-no-timeout } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            """), "request-timeout-stream");
        await h.ExpectStatusAsync("/stream-timeout", 200);

        // Without a timeout the 1.5 s stream arrives whole; with 500 ms it starts (200) and is then cut.
        Assert.Equal(15, (await StreamAsync("/stream-no-timeout?stream=1500ms")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var cut = await Assert.ThrowsAsync<HttpRequestException>(() => StreamAsync("/stream-timeout?stream=1500ms"));
        Assert.IsAssignableFrom<IOException>(cut.InnerException);
    }

    private async Task<string> StreamAsync(string path)
    {
        using var response = await h.Http.GetAsync($"http://127.0.0.1:{h.Traffic}{path}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
