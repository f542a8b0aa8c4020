using Konnect.Testing;
using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The RequestMirror scenarios, named as the upstream suite names them: the client's answer comes from the backendRef,
/// and every mirror backend receives its copy (counted at the real echo backends).
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class HttpRouteMirrorConformanceTests(ConformanceHarness h)
{
    private static string Mirror(string backend) => $"{{ type: RequestMirror, requestMirror: {{ backendRef: {{ name: {backend}, namespace: {Infra}, port: 8080 }} }} }}";

    /// <summary>Sends five requests, each answered by infra-backend-v1, and waits for five more copies at each mirror.</summary>
    private async Task ExpectMirroredAsync(string path, (string Name, string Value)[] headers, Action<Answer>? check, params string[] mirrors)
    {
        await h.ExpectAsync(() => h.SendAsync(path, headers: headers), a => a.Backend == "infra-backend-v1", $"{path} to infra-backend-v1");
        var before = mirrors.ToDictionary(m => m, h.Requests);
        for (var i = 0; i < 5; i++)
        {
            var answer = await h.SendAsync(path, headers: headers);
            Assert.Equal("infra-backend-v1", answer.Backend);
            check?.Invoke(answer);
        }
        foreach (var mirror in mirrors)
        {
            await Repo.EventuallyAsync(() => Task.FromResult(h.Requests(mirror) >= before[mirror] + 5), $"{path}: five mirrored copies at {mirror}");
        }
    }

    [Fact]
    public async Task HTTPRouteRequestMirror()
    {
        await h.ScenarioAsync(HttpRoute("request-mirror", Infra, SameNamespace, $$"""
            - matches: [{ path: { value: /mirror } }]
              filters: [{{Mirror("infra-backend-v2")}}]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            """), "request-mirror");

        await ExpectMirroredAsync("/mirror", [], null, "infra-backend-v2");
    }

    [Fact]
    public async Task HTTPRouteRequestMultipleMirrors()
    {
        await h.ScenarioAsync(HttpRoute("request-multiple-mirrors", Infra, SameNamespace, $$"""
            - matches: [{ path: { type: PathPrefix, value: /multi-mirror } }]
              filters: [{{Mirror("infra-backend-v2")}}, {{Mirror("infra-backend-v3")}}]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { type: PathPrefix, value: /multi-mirror-and-modify-request-headers } }]
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{ name: X-Header-Set, value: set-overwrites-values }]
                    add: [{ name: X-Header-Add, value: header-val-1 }, { name: X-Header-Add-Append, value: header-val-2 }]
                    remove: [X-Header-Remove]
                - {{Mirror("infra-backend-v2")}}
                - {{Mirror("infra-backend-v3")}}
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            """), "request-multiple-mirrors");

        await ExpectMirroredAsync("/multi-mirror", [], null, "infra-backend-v2", "infra-backend-v3");
        await ExpectMirroredAsync("/multi-mirror-and-modify-request-headers", [("X-Header-Remove", "remove-val"), ("X-Header-Add-Append", "append-val-1")], a =>
        {
            Assert.Equal("header-val-1", a.RequestHeader("X-Header-Add"));
            // One field, its values joined by ", " as .NET's client writes a list (RFC 9110 5.3); the suite's echo joins with ",".
            Assert.Equal(["append-val-1", "header-val-2"], a.RequestHeader("X-Header-Add-Append")!.Split(',', StringSplitOptions.TrimEntries));
            Assert.Equal("set-overwrites-values", a.RequestHeader("X-Header-Set"));
            Assert.Null(a.RequestHeader("X-Header-Remove"));
        }, "infra-backend-v2", "infra-backend-v3");
    }
}
