using Konnect.Testing;
using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The Gateway API conformance scenarios of the standard channel's HTTP profile that Konnect claims, each named as the
/// upstream suite names it: the same objects in (manifests written here for Konnect), the same requests, answers and
/// status out. docs/guides/gateway-api.md has the table of what is claimed and what is not.
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class HttpRouteConformanceTests(ConformanceHarness h)
{
    private Task<Answer> Get(string path, string host = "example.com", params (string, string)[] headers) => h.SendAsync(path, host, "GET", headers);

    private async Task ExpectParent(string ns, string route, string gateway, string type, string status, string reason)
    {
        await Repo.EventuallyAsync(async () =>
        {
            var condition = await h.ParentConditionAsync(ns, route, gateway, type);
            return condition["status"]!.GetValue<string>() == status && condition["reason"]!.GetValue<string>() == reason;
        }, $"HTTPRoute {ns}/{route} parent {gateway}: {type}={status} ({reason})");
    }

    [Fact]
    public async Task HTTPRouteSimpleSameNamespace()
    {
        await h.ScenarioAsync(HttpRoute("gateway-conformance-infra-test", Infra, SameNamespace, "- backendRefs: [{ name: infra-backend-v1, port: 8080 }]"),
            "gateway-conformance-infra-test");

        await ExpectParent(Infra, "gateway-conformance-infra-test", "same-namespace", "Accepted", "True", "Accepted");
        await ExpectParent(Infra, "gateway-conformance-infra-test", "same-namespace", "ResolvedRefs", "True", "ResolvedRefs");
        await h.ExpectBackendAsync("/", "infra-backend-v1");
    }

    [Fact]
    public async Task HTTPRouteCrossNamespace()
    {
        await h.ScenarioAsync(HttpRoute("cross-namespace", WebBackend, $"[{{ name: backend-namespaces, namespace: {Infra} }}]",
            "- backendRefs: [{ name: web-backend, port: 8080 }]"), "cross-namespace");

        await ExpectParent(WebBackend, "cross-namespace", "backend-namespaces", "Accepted", "True", "Accepted");
        await h.ExpectBackendAsync("/", "web-backend");
    }

    [Fact]
    public async Task HTTPRouteInvalidCrossNamespaceParentRef()
    {
        // same-namespace admits routes from its own namespace only.
        await h.ScenarioAsync(HttpRoute("invalid-cross-namespace-parent-ref", WebBackend, $"[{{ name: same-namespace, namespace: {Infra} }}]",
            "- backendRefs: [{ name: web-backend, port: 8080 }]"), "invalid-cross-namespace-parent-ref");

        await ExpectParent(WebBackend, "invalid-cross-namespace-parent-ref", "same-namespace", "Accepted", "False", "NotAllowedByListeners");
        await h.ExpectStatusAsync("/", 404);
    }

    [Fact]
    public async Task HTTPRouteReferenceGrant()
    {
        await h.ScenarioAsync($$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: { name: reference-grant, namespace: {{WebBackend}} }
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: {{Infra}} }]
              to: [{ group: "", kind: Service, name: web-backend }]

            """ + HttpRoute("reference-grant", Infra, SameNamespace, $"- backendRefs: [{{ name: web-backend, namespace: {WebBackend}, port: 8080 }}]"),
            "reference-grant");

        await ExpectParent(Infra, "reference-grant", "same-namespace", "ResolvedRefs", "True", "ResolvedRefs");
        await h.ExpectBackendAsync("/", "web-backend");
    }

    [Fact]
    public async Task HTTPRouteInvalidCrossNamespaceBackendRef()
    {
        await h.ScenarioAsync(HttpRoute("invalid-cross-namespace-backend-ref", Infra, SameNamespace,
            $"- backendRefs: [{{ name: web-backend, namespace: {WebBackend}, port: 8080 }}]"), "invalid-cross-namespace-backend-ref");

        await ExpectParent(Infra, "invalid-cross-namespace-backend-ref", "same-namespace", "Accepted", "True", "Accepted");
        await ExpectParent(Infra, "invalid-cross-namespace-backend-ref", "same-namespace", "ResolvedRefs", "False", "RefNotPermitted");
        // The Gateway API answers 500 for requests a rule would send to an invalid backend.
        await h.ExpectStatusAsync("/", 500);
    }

    [Fact]
    public async Task HTTPRouteInvalidNonExistentBackendRef()
    {
        await h.ScenarioAsync(HttpRoute("invalid-nonexistent-backend-ref", Infra, SameNamespace,
            "- backendRefs: [{ name: nonexistent, port: 8080 }]"), "invalid-nonexistent-backend-ref");

        await ExpectParent(Infra, "invalid-nonexistent-backend-ref", "same-namespace", "ResolvedRefs", "False", "BackendNotFound");
        await h.ExpectStatusAsync("/", 500);
    }

    [Fact]
    public async Task HTTPRouteInvalidBackendRefUnknownKind()
    {
        await h.ScenarioAsync(HttpRoute("invalid-backend-ref-unknown-kind", Infra, SameNamespace,
            "- backendRefs: [{ group: unknownkind.example.com, kind: NonExistent, name: infra-backend-v1, port: 8080 }]"), "invalid-backend-ref-unknown-kind");

        await ExpectParent(Infra, "invalid-backend-ref-unknown-kind", "same-namespace", "ResolvedRefs", "False", "InvalidKind");
        await h.ExpectStatusAsync("/", 500);
    }

    [Fact]
    public async Task HTTPRouteInvalidParentRefNotMatchingSectionName()
    {
        await h.ScenarioAsync(HttpRoute("httproute-listener-not-matching-section-name", Infra, "[{ name: same-namespace, sectionName: nonexistent }]",
            "- backendRefs: [{ name: infra-backend-v1, port: 8080 }]"), "httproute-listener-not-matching-section-name");

        await ExpectParent(Infra, "httproute-listener-not-matching-section-name", "same-namespace", "Accepted", "False", "NoMatchingParent");
    }

    [Fact]
    public async Task HTTPRouteMatching()
    {
        await h.ScenarioAsync(HttpRoute("matching", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: / } }, { headers: [{ name: version, value: one }] }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { type: PathPrefix, value: /v2 } }, { headers: [{ name: version, value: two }] }]
              backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            """), "matching");

        await h.ExpectBackendAsync("/", "infra-backend-v1");
        await h.ExpectBackendAsync("/example", "infra-backend-v1");
        await h.ExpectBackendAsync("/", "infra-backend-v1", headers: ("version", "one"));
        await h.ExpectBackendAsync("/v2", "infra-backend-v2");
        await h.ExpectBackendAsync("/v2/example", "infra-backend-v2");
        await h.ExpectBackendAsync("/", "infra-backend-v2", headers: ("version", "two"));
        // By path element: /v2example is not under /v2.
        await h.ExpectBackendAsync("/v2example", "infra-backend-v1");
    }

    [Fact]
    public async Task HTTPRouteExactPathMatching()
    {
        await h.ScenarioAsync(HttpRoute("exact-matching", Infra, SameNamespace, """
            - matches: [{ path: { type: Exact, value: /one } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { type: Exact, value: /two } }]
              backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            """), "exact-matching");

        await h.ExpectBackendAsync("/one", "infra-backend-v1");
        await h.ExpectBackendAsync("/two", "infra-backend-v2");
        await h.ExpectStatusAsync("/", 404);
        await h.ExpectStatusAsync("/one/example", 404);
        await h.ExpectStatusAsync("/two/", 404);
    }

    [Fact]
    public async Task HTTPRouteHeaderMatching()
    {
        await h.ScenarioAsync(HttpRoute("header-matching", Infra, SameNamespace, """
            - matches: [{ headers: [{ name: version, value: one }] }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ headers: [{ name: version, value: two }] }]
              backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            - matches: [{ headers: [{ name: version, value: two }, { name: color, value: orange }] }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ headers: [{ name: color, value: blue }] }, { headers: [{ name: color, value: green }] }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ headers: [{ name: color, value: red }] }, { headers: [{ name: color, value: yellow }] }]
              backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            """), "header-matching");

        await h.ExpectBackendAsync("/", "infra-backend-v1", headers: ("Version", "one"));
        await h.ExpectBackendAsync("/", "infra-backend-v2", headers: ("Version", "two"));
        await h.ExpectBackendAsync("/", "infra-backend-v1", headers: [("Version", "two"), ("Color", "orange")]);
        await h.ExpectBackendAsync("/", "infra-backend-v1", headers: [("Version", "one"), ("Color", "blue")]);
        await h.ExpectBackendAsync("/", "infra-backend-v2", headers: ("Color", "red"));
        await h.ExpectBackendAsync("/", "infra-backend-v2", headers: ("Color", "yellow"));
        await h.ExpectStatusAsync("/", 404, headers: ("Version", "four"));
        await h.ExpectStatusAsync("/", 404, headers: ("Color", "purple"));
    }

    [Fact]
    public async Task HTTPRouteQueryParamMatching()
    {
        await h.ScenarioAsync(HttpRoute("query-param-matching", Infra, SameNamespace, """
            - matches: [{ queryParams: [{ name: animal, value: whale }] }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ queryParams: [{ name: animal, value: dolphin }] }]
              backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            - matches: [{ queryParams: [{ name: animal, value: dolphin }, { name: color, value: blue }] }, { queryParams: [{ name: ANIMAL, value: Whale }] }]
              backendRefs: [{ name: infra-backend-v3, port: 8080 }]
            """), "query-param-matching");

        await h.ExpectBackendAsync("/?animal=whale", "infra-backend-v1");
        await h.ExpectBackendAsync("/?animal=dolphin", "infra-backend-v2");
        await h.ExpectBackendAsync("/?animal=dolphin&color=blue", "infra-backend-v3");
        await h.ExpectBackendAsync("/?ANIMAL=Whale", "infra-backend-v3");
        await h.ExpectStatusAsync("/?animal=shark", 404);
        await h.ExpectStatusAsync("/?color=blue", 404);
    }

    [Fact]
    public async Task HTTPRouteMethodMatching()
    {
        await h.ScenarioAsync(HttpRoute("method-matching", Infra, SameNamespace, """
            - matches: [{ method: POST }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ method: GET }]
              backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            """), "method-matching");

        await h.ExpectAsync(() => h.SendAsync("/", method: "POST"), a => a.Backend == "infra-backend-v1", "POST to v1");
        await h.ExpectAsync(() => h.SendAsync("/", method: "GET"), a => a.Backend == "infra-backend-v2", "GET to v2");
        await h.ExpectAsync(() => h.SendAsync("/", method: "HEAD"), a => a.Status == 404, "HEAD not matched");
    }

    [Fact]
    public async Task HTTPRouteWeight()
    {
        await h.ScenarioAsync(HttpRoute("weighted-backends", Infra, SameNamespace, """
            - backendRefs:
                - { name: infra-backend-v1, port: 8080, weight: 70 }
                - { name: infra-backend-v2, port: 8080, weight: 30 }
                - { name: infra-backend-v3, port: 8080, weight: 0 }
            """), "weighted-backends");
        await h.ExpectStatusAsync("/", 200);

        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 500; i++)
        {
            var answer = await Get("/");
            counts[answer.Backend ?? answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = counts.GetValueOrDefault(answer.Backend ?? "") + 1;
        }
        // The suite allows 5 points either way; 500 requests at 70/30 stay within that but for about 1 run in 100.
        Assert.InRange(counts.GetValueOrDefault("infra-backend-v1"), 290, 410);
        Assert.InRange(counts.GetValueOrDefault("infra-backend-v2"), 90, 210);
        Assert.False(counts.ContainsKey("infra-backend-v3"), "weight 0 gets no request");
        Assert.Equal(500, counts.GetValueOrDefault("infra-backend-v1") + counts.GetValueOrDefault("infra-backend-v2"));
    }

    [Fact]
    public async Task HTTPRouteHostnameIntersection()
    {
        await h.ScenarioAsync($$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: httproute-hostname-intersection, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners:
                - { name: listener-1, port: 80, protocol: HTTP, hostname: very.specific.com }
                - { name: listener-2, port: 80, protocol: HTTP, hostname: "*.wildcard.io" }
                - { name: listener-3, port: 80, protocol: HTTP, hostname: "*.anotherwildcard.io" }

            """
            + HttpRoute("specific-host-matches-listener-specific-host", Infra, "[{ name: httproute-hostname-intersection }]",
                "- { matches: [{ path: { value: /s1 } }], backendRefs: [{ name: infra-backend-v1, port: 8080 }] }",
                "[non.matching.com, \"*.nonmatchingwildcard.io\", very.specific.com]")
            + HttpRoute("specific-host-matches-listener-wildcard-host", Infra, "[{ name: httproute-hostname-intersection }]",
                "- { matches: [{ path: { value: /s2 } }], backendRefs: [{ name: infra-backend-v2, port: 8080 }] }",
                "[non.matching.com, wildcard.io, foo.wildcard.io, bar.wildcard.io, foo.bar.wildcard.io]")
            + HttpRoute("wildcard-host-matches-listener-specific-host", Infra, "[{ name: httproute-hostname-intersection }]",
                "- { matches: [{ path: { value: /s3 } }], backendRefs: [{ name: infra-backend-v3, port: 8080 }] }",
                "[non.matching.com, \"*.specific.com\"]")
            + HttpRoute("wildcard-host-matches-listener-wildcard-host", Infra, "[{ name: httproute-hostname-intersection }]",
                "- { matches: [{ path: { value: /s4 } }], backendRefs: [{ name: infra-backend-v1, port: 8080 }] }",
                "[\"*.anotherwildcard.io\"]")
            + HttpRoute("no-intersecting-hosts", Infra, "[{ name: httproute-hostname-intersection }]",
                "- { matches: [{ path: { value: /s5 } }], backendRefs: [{ name: infra-backend-v2, port: 8080 }] }",
                "[specific.but.wrong.com, wildcard.io]"),
            "specific-host-matches-listener-specific-host", "no-intersecting-hosts");

        await h.ExpectBackendAsync("/s1", "infra-backend-v1", "very.specific.com");
        await h.ExpectStatusAsync("/s1", 404, "non.matching.com");
        await h.ExpectStatusAsync("/s1", 404, "foo.nonmatchingwildcard.io");
        await h.ExpectBackendAsync("/s2", "infra-backend-v2", "foo.wildcard.io");
        await h.ExpectBackendAsync("/s2", "infra-backend-v2", "foo.bar.wildcard.io");
        await h.ExpectStatusAsync("/s2", 404, "wildcard.io");
        await h.ExpectBackendAsync("/s3", "infra-backend-v3", "very.specific.com");
        await h.ExpectStatusAsync("/s3", 404, "other.specific.com");
        await h.ExpectBackendAsync("/s4", "infra-backend-v1", "foo.anotherwildcard.io");
        await h.ExpectStatusAsync("/s4", 404, "anotherwildcard.io");
        await ExpectParent(Infra, "no-intersecting-hosts", "httproute-hostname-intersection", "Accepted", "False", "NoMatchingListenerHostname");
        await h.ExpectStatusAsync("/s5", 404, "specific.but.wrong.com");
    }

    [Fact]
    public async Task HTTPRouteRequestHeaderModifier()
    {
        await h.ScenarioAsync(HttpRoute("request-header-modifier", Infra, SameNamespace, """
            - matches: [{ path: { value: /set } }]
              filters: [{ type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: X-Header-Set, value: set-overwrites-values }] } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { value: /add } }]
              filters: [{ type: RequestHeaderModifier, requestHeaderModifier: { add: [{ name: X-Header-Add, value: add-appends-values }] } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { value: /remove } }]
              filters: [{ type: RequestHeaderModifier, requestHeaderModifier: { remove: [X-Header-Remove] } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            """), "request-header-modifier");

        var set = await h.ExpectBackendAsync("/set", "infra-backend-v1", headers: ("X-Header-Set", "some-other-value"));
        Assert.Equal("set-overwrites-values", set.RequestHeader("x-header-set"));
        var add = await h.ExpectBackendAsync("/add", "infra-backend-v1", headers: ("X-Header-Add", "some-value"));
        // One field line or two, "a,b" or "a, b": the same field value to HTTP (RFC 9110, section 5.3).
        Assert.Equal(["some-value", "add-appends-values"], add.RequestHeader("x-header-add")!.Split(',', StringSplitOptions.TrimEntries));
        var remove = await h.ExpectBackendAsync("/remove", "infra-backend-v1", headers: [("X-Header-Remove", "val"), ("X-Header-Keep", "kept")]);
        Assert.Null(remove.RequestHeader("x-header-remove"));
        Assert.Equal("kept", remove.RequestHeader("x-header-keep"));
    }

    [Fact]
    public async Task HTTPRouteResponseHeaderModifier()
    {
        await h.ScenarioAsync(HttpRoute("response-header-modifier", Infra, SameNamespace, """
            - matches: [{ path: { value: /set } }]
              filters: [{ type: ResponseHeaderModifier, responseHeaderModifier: { set: [{ name: X-Header-Set, value: set-overwrites-values }] } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { value: /remove } }]
              filters: [{ type: ResponseHeaderModifier, responseHeaderModifier: { remove: [x-echo] } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            """), "response-header-modifier");

        var set = await h.ExpectAsync(() => Get("/set"), a => a.Headers.GetValueOrDefault("x-header-set") == "set-overwrites-values", "x-header-set on the answer");
        Assert.Equal(200, set.Status);
        await h.ExpectAsync(() => Get("/remove"), a => a.Status == 200 && !a.Headers.ContainsKey("x-echo"), "x-echo removed from the answer");
    }

    [Fact]
    public async Task HTTPRouteRewritePath()
    {
        await h.ScenarioAsync(HttpRoute("rewrite-path", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: /prefix/one } }]
              filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /one } } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { type: PathPrefix, value: /full/one } }]
              filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: /one } } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { type: PathPrefix, value: /strip-prefix } }]
              filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: / } } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            """), "rewrite-path");

        Assert.Equal("/one/two", (await h.ExpectBackendAsync("/prefix/one/two", "infra-backend-v1")).Path);
        Assert.Equal("/one", (await h.ExpectBackendAsync("/full/one/two", "infra-backend-v1")).Path);
        Assert.Equal("/three", (await h.ExpectBackendAsync("/strip-prefix/three", "infra-backend-v1")).Path);
    }

    [Fact]
    public async Task HTTPRouteRewriteHost()
    {
        await h.ScenarioAsync(HttpRoute("rewrite-host", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: /one } }]
              filters: [{ type: URLRewrite, urlRewrite: { hostname: one.example.org } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - filters: [{ type: URLRewrite, urlRewrite: { hostname: example.org } }]
              backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            """, "[rewrite.example]"), "rewrite-host");

        Assert.Equal("one.example.org", (await h.ExpectBackendAsync("/one", "infra-backend-v1", "rewrite.example")).Echo!["host"]!.GetValue<string>());
        Assert.Equal("example.org", (await h.ExpectBackendAsync("/", "infra-backend-v2", "rewrite.example")).Echo!["host"]!.GetValue<string>());
    }

    [Fact]
    public async Task HTTPRouteMatchingAcrossRoutes()
    {
        await h.ScenarioAsync(
            HttpRoute("matching-part1", Infra, SameNamespace, """
                - matches: [{ path: { type: PathPrefix, value: / } }]
                  backendRefs: [{ name: infra-backend-v1, port: 8080 }]
                - matches: [{ path: { type: PathPrefix, value: /v2 } }]
                  backendRefs: [{ name: infra-backend-v2, port: 8080 }]
                """, "[example.com, example.net]")
            + HttpRoute("matching-part2", Infra, SameNamespace, """
                - matches: [{ path: { type: PathPrefix, value: /v2 }, headers: [{ name: version, value: two }] }]
                  backendRefs: [{ name: infra-backend-v2, port: 8080 }]
                - matches: [{ headers: [{ name: version, value: two }] }]
                  backendRefs: [{ name: infra-backend-v2, port: 8080 }]
                - matches: [{ path: { type: Exact, value: /v1 } }]
                  backendRefs: [{ name: infra-backend-v1, port: 8080 }]
                """, "[example.com]"),
            "matching-part1", "matching-part2");

        await h.ExpectBackendAsync("/", "infra-backend-v1", "example.com");
        await h.ExpectBackendAsync("/example", "infra-backend-v1", "example.net");
        await h.ExpectBackendAsync("/v2", "infra-backend-v2", "example.com");
        await h.ExpectBackendAsync("/", "infra-backend-v2", "example.com", ("version", "two"));
        await h.ExpectBackendAsync("/", "infra-backend-v1", "example.net", ("version", "two"));
        await h.ExpectBackendAsync("/v1", "infra-backend-v1", "example.com");
    }

    [Fact]
    public async Task HTTPRoutePathMatchOrder()
    {
        await h.ScenarioAsync(HttpRoute("path-matching-order", Infra, SameNamespace, """
            - matches: [{ path: { type: PathPrefix, value: /match } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            - matches: [{ path: { type: PathPrefix, value: /match/prefix/one } }]
              backendRefs: [{ name: infra-backend-v2, port: 8080 }]
            - matches: [{ path: { type: Exact, value: /match/exact } }]
              backendRefs: [{ name: infra-backend-v3, port: 8080 }]
            - matches: [{ path: { type: PathPrefix, value: /match/exact/one } }]
              backendRefs: [{ name: infra-backend-v1, port: 8080 }]
            """), "path-matching-order");

        await h.ExpectBackendAsync("/match/exact", "infra-backend-v3");
        await h.ExpectBackendAsync("/match/exact/one", "infra-backend-v1");
        await h.ExpectBackendAsync("/match/prefix/one/extra", "infra-backend-v2");
        await h.ExpectBackendAsync("/match/other", "infra-backend-v1");
    }

    [Fact]
    public async Task HTTPRouteObservedGenerationBump()
    {
        const string Name = "observed-generation-bump";
        string Scenario(int generation, string path) => $$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: {{Name}}, namespace: {{Infra}}, generation: {{generation}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules: [{ matches: [{ path: { value: {{path}} } }], backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
            """;
        await h.ScenarioAsync(Scenario(1, "/one"), Name);
        await h.ExpectBackendAsync("/one", "infra-backend-v1");

        await h.ScenarioAsync(Scenario(2, "/two"), Name);
        await Repo.EventuallyAsync(async () =>
            (await h.ParentConditionAsync(Infra, Name, "same-namespace", "Accepted"))["observedGeneration"]?.GetValue<long>() == 2, "observedGeneration 2");
        await h.ExpectBackendAsync("/two", "infra-backend-v1");
    }
}
