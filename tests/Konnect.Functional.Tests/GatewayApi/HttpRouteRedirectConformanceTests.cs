using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The RequestRedirect filter's conformance scenarios, named as the upstream suite names them. "The listener's port"
/// is the port the client named in Host: Konnect's listeners sit behind a Service whose port is not the pod's, so the
/// Host header is what tells the port the client used; without one there, the scheme's own port, left out.
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class HttpRouteRedirectConformanceTests(ConformanceHarness h)
{
    private static string Redirects(string name, string rules) => $$"""
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: {{name}}, namespace: {{Infra}} }
        spec:
          parentRefs: [{ name: same-namespace }]
          rules:
        {{string.Join("\n", rules.Split('\n').Select(l => "    " + l))}}

        """;

    private static string Rule(string path, string redirect) =>
        $"- {{ matches: [{{ path: {{ type: PathPrefix, value: {path} }} }}], filters: [{{ type: RequestRedirect, requestRedirect: {redirect} }}] }}";

    private Task<Answer> ExpectRedirect(string path, int status, string location) =>
        h.ExpectAsync(() => h.SendAsync(path), a => a.Status == status && a.Headers.GetValueOrDefault("location") == location,
            $"{path} answered {status} to {location}");

    [Fact]
    public async Task HTTPRouteRedirectHostAndStatus()
    {
        await h.ScenarioAsync(Redirects("redirect-host-and-status", string.Join("\n",
            Rule("/hostname-redirect", "{ hostname: example.org }"),
            Rule("/host-and-status", "{ hostname: example.org, statusCode: 301 }"))), "redirect-host-and-status");

        await ExpectRedirect("/hostname-redirect", 302, "http://example.org/hostname-redirect");
        // The port the client used (Host) is kept when the redirect sets neither a scheme nor a port.
        await h.ExpectAsync(() => h.SendAsync("/hostname-redirect", "example.com:8888"),
            a => a.Headers.GetValueOrDefault("location") == "http://example.org:8888/hostname-redirect", "the request's port kept");
        await ExpectRedirect("/host-and-status", 301, "http://example.org/host-and-status");
    }

    [Fact]
    public async Task HTTPRouteRedirectPath()
    {
        await h.ScenarioAsync(Redirects("redirect-path", string.Join("\n",
            Rule("/original-prefix", "{ path: { type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix } }"),
            Rule("/full", "{ path: { type: ReplaceFullPath, replaceFullPath: /full-path-replacement } }"),
            Rule("/path-and-host", "{ hostname: example.org, path: { type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix } }"),
            Rule("/path-and-status", "{ path: { type: ReplaceFullPath, replaceFullPath: /full-path-replacement }, statusCode: 301 }"),
            Rule("/full-path-and-host", "{ hostname: example.org, path: { type: ReplaceFullPath, replaceFullPath: /replacement } }"),
            Rule("/full-path-and-status", "{ path: { type: ReplaceFullPath, replaceFullPath: /replacement }, statusCode: 301 }"))), "redirect-path");

        await ExpectRedirect("/original-prefix/lemon", 302, "http://example.com/replacement-prefix/lemon");
        await ExpectRedirect("/original-prefix", 302, "http://example.com/replacement-prefix");
        await ExpectRedirect("/full/path/original?q=1", 302, "http://example.com/full-path-replacement?q=1");
        await ExpectRedirect("/path-and-host", 302, "http://example.org/replacement-prefix");
        await ExpectRedirect("/path-and-status", 301, "http://example.com/full-path-replacement");
        await ExpectRedirect("/full-path-and-host", 302, "http://example.org/replacement");
        await ExpectRedirect("/full-path-and-status", 301, "http://example.com/replacement");
    }

    [Fact]
    public async Task HTTPRouteRedirectPort()
    {
        await h.ScenarioAsync(Redirects("redirect-port", string.Join("\n",
            Rule("/port", "{ port: 8083 }"),
            Rule("/port-and-host", "{ hostname: example.org, port: 8083 }"),
            Rule("/port-and-status", "{ port: 8083, statusCode: 301 }"),
            Rule("/port-and-host-and-status", "{ port: 8083, hostname: example.org, statusCode: 302 }"))), "redirect-port");

        await ExpectRedirect("/port", 302, "http://example.com:8083/port");
        await ExpectRedirect("/port-and-host", 302, "http://example.org:8083/port-and-host");
        await ExpectRedirect("/port-and-status", 301, "http://example.com:8083/port-and-status");
        await ExpectRedirect("/port-and-host-and-status", 302, "http://example.org:8083/port-and-host-and-status");
    }

    [Fact]
    public async Task HTTPRouteRedirectScheme()
    {
        await h.ScenarioAsync(Redirects("redirect-scheme", string.Join("\n",
            Rule("/scheme", "{ scheme: https }"),
            Rule("/scheme-and-host", "{ hostname: example.org, scheme: https }"),
            Rule("/scheme-and-status", "{ scheme: https, statusCode: 301 }"),
            Rule("/scheme-and-host-and-status", "{ scheme: https, statusCode: 302, hostname: example.org }"))), "redirect-scheme");

        // A new scheme without a port: the scheme's own port, left out of the Location.
        await ExpectRedirect("/scheme", 302, "https://example.com/scheme");
        await ExpectRedirect("/scheme-and-host", 302, "https://example.org/scheme-and-host");
        await ExpectRedirect("/scheme-and-status", 301, "https://example.com/scheme-and-status");
        await ExpectRedirect("/scheme-and-host-and-status", 302, "https://example.org/scheme-and-host-and-status");
    }

    [Fact]
    public async Task HTTPRoutePortAndSchemeRedirect()
    {
        await h.ScenarioAsync(Redirects("redirect-port-and-scheme", string.Join("\n",
            Rule("/scheme-nil-and-port-nil", "{ statusCode: 301 }"),
            Rule("/scheme-http-and-port-nil", "{ scheme: http, statusCode: 301 }"),
            Rule("/scheme-http-and-port-80", "{ scheme: http, port: 80, statusCode: 301 }"),
            Rule("/scheme-http-and-port-8080", "{ scheme: http, port: 8080, statusCode: 301 }"),
            Rule("/scheme-https-and-port-nil", "{ scheme: https, statusCode: 301 }"),
            Rule("/scheme-https-and-port-443", "{ scheme: https, port: 443, statusCode: 301 }"),
            Rule("/scheme-https-and-port-8443", "{ scheme: https, port: 8443, statusCode: 301 }"))), "redirect-port-and-scheme");

        await ExpectRedirect("/scheme-nil-and-port-nil", 301, "http://example.com/scheme-nil-and-port-nil");
        await ExpectRedirect("/scheme-http-and-port-nil", 301, "http://example.com/scheme-http-and-port-nil");
        await ExpectRedirect("/scheme-http-and-port-80", 301, "http://example.com/scheme-http-and-port-80");
        await ExpectRedirect("/scheme-http-and-port-8080", 301, "http://example.com:8080/scheme-http-and-port-8080");
        await ExpectRedirect("/scheme-https-and-port-nil", 301, "https://example.com/scheme-https-and-port-nil");
        await ExpectRedirect("/scheme-https-and-port-443", 301, "https://example.com/scheme-https-and-port-443");
        await ExpectRedirect("/scheme-https-and-port-8443", 301, "https://example.com:8443/scheme-https-and-port-8443");
    }
}
