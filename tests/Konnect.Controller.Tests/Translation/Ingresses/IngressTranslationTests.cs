using Konnect.Controller.Sources;
using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.Ingresses;

/// <summary>
/// networking.k8s.io/v1 Ingress through the translator, as folder mode and `konnect validate` run it: which Ingresses
/// are Konnect's (by IngressClass), the routes each becomes (one per host, NAME:HOST), how paths, backends, TLS and the
/// policies annotation translate, what is refused with a reason, and conflicts with KonnectRoutes settled as between
/// KonnectRoutes.
/// </summary>
public sealed class IngressTranslationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-ingress-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string KonnectClass = """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: konnect }
        spec: { controller: konnect.dev/ingress-controller }
        ---

        """;

    private const string Services = """
        apiVersion: v1
        kind: Service
        metadata: { name: web, namespace: shop }
        spec: { ports: [{ name: http, port: 80 }] }
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: web-1, namespace: shop, labels: { kubernetes.io/service-name: web } }
        addressType: IPv4
        ports: [{ name: http, port: 8080 }]
        endpoints: [{ addresses: [10.0.0.1] }]
        ---

        """;

    private static string Ingress(string name, string spec, string? annotations = null) => $$"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: {{name}}, namespace: shop{{(annotations is null ? "" : ", annotations: " + annotations)}} }
        spec:
        {{string.Join("\n", spec.Split('\n').Select(l => "  " + l))}}
        ---

        """;

    private TranslationResult Translate(params string[] documents)
    {
        var path = Path.Combine(_dir, "ingress.yaml");
        File.WriteAllText(path, string.Concat(documents));
        var snapshot = ManifestSource.LoadPaths([path]);
        Assert.DoesNotContain(snapshot.Problems, p => !p.IsWarning);
        return Translator.Translate(snapshot);
    }

    private static ObjectStatus Status(TranslationResult result, string name) =>
        Assert.Single(result.Statuses, s => s.Object == new ObjectRef("Ingress", "shop", name));

    private static Condition Condition(ObjectStatus status, string type) => Assert.Single(status.Conditions, c => c.Type == type);

    [Fact]
    public void LastIngressDeleted_NoKonnectRoutes_NothingServedAnyMore()
    {
        // Both snapshots have no KonnectRoute: the same (empty) route collection must not bring back the first one's Ingress routes.
        var spec = """
            ingressClassName: konnect
            rules:
              - host: shop.example.com
                http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
            """;
        Assert.NotEmpty(Translate(KonnectClass, Services, Ingress("web", spec)).Model.Routes);

        var after = Translate(Services);

        Assert.Empty(after.Model.Routes);
        Assert.DoesNotContain(after.Statuses, s => s.Object.Kind == "Ingress");
    }

    [Fact]
    public void Hosts_EachBecomesOneRoute_PathsAsRulesInOrder()
    {
        var result = Translate(KonnectClass, Services, Ingress("web", """
            ingressClassName: konnect
            rules:
              - host: a.example.com
                http:
                  paths:
                    - { path: /api, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
                    - { path: /exact, pathType: Exact, backend: { service: { name: web, port: { name: http } } } }
              - host: b.example.com
                http:
                  paths:
                    - { pathType: ImplementationSpecific, backend: { service: { name: web, port: { number: 80 } } } }
              - host: a.example.com
                http:
                  paths:
                    - { path: /more/, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
            """));

        var a = result.Model.Routes.Where(r => r.Route == "web:a.example.com").ToArray();
        Assert.Equal(["a.example.com"], a[0].Hosts);
        Assert.Equal([(PathKind.PathPrefix, "/api"), (PathKind.Exact, "/exact"), (PathKind.PathPrefix, "/more")],
            a.Select(r => (Assert.Single(r.Matches).PathKind, r.Matches[0].Path)));
        Assert.All(a, r => Assert.Equal(["http://10.0.0.1:8080"], Assert.Single(r.Backends).Endpoints));
        var b = Assert.Single(result.Model.Routes, r => r.Route == "web:b.example.com");
        Assert.Equal((PathKind.PathPrefix, "/"), (b.Matches[0].PathKind, b.Matches[0].Path));
        Assert.Equal("Translated into 2 route(s): web:a.example.com, web:b.example.com", Condition(Status(result, "web"), ConditionTypes.Accepted).Message);
        Assert.All(result.Statuses.Where(s => s.Object.Kind == "Ingress"), s => Assert.All(s.Conditions, c => Assert.Equal("True", c.Status)));
    }

    [Fact]
    public void DefaultBackend_AndRulesWithoutHost_BecomeTheAnyHostRoute()
    {
        var result = Translate(KonnectClass, Services, Ingress("web", """
            ingressClassName: konnect
            defaultBackend: { service: { name: web, port: { number: 80 } } }
            rules:
              - http:
                  paths:
                    - { path: /static, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
            """));

        var rules = result.Model.Routes.Where(r => r.Route == "web:*").ToArray();
        Assert.All(rules, r => Assert.Empty(r.Hosts));
        Assert.Equal(["/static", "/"], rules.Select(r => r.Matches[0].Path));
        Assert.Equal("defaultBackend", rules[1].RuleName);
    }

    [Theory]
    [InlineData("ingressClassName: konnect", true)]
    [InlineData("ingressClassName: nginx", false)]
    [InlineData("ingressClassName: missing", false)]
    [InlineData("", false)]
    public void ClassName_OnlyKonnectsClassesAreServed(string classLine, bool served)
    {
        var nginx = """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: { name: nginx }
            spec: { controller: k8s.io/ingress-nginx }
            ---

            """;
        var result = Translate(KonnectClass, nginx, Services, Ingress("web", $$"""
            {{classLine}}
            rules: [{ host: a.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]
            """));

        Assert.Equal(served, result.Model.Routes.Any(r => r.Route == "web:a.example.com"));
        // Another controller's Ingress gets no status from Konnect at all.
        Assert.Equal(served, result.Statuses.Any(s => s.Object.Kind == "Ingress"));
    }

    [Fact]
    public void NoClass_ServedWhenKonnectsClassIsTheDefault_AndTheOldAnnotationIsHonoured()
    {
        var defaultClass = """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: { name: konnect, annotations: { ingressclass.kubernetes.io/is-default-class: "true" } }
            spec: { controller: konnect.dev/ingress-controller }
            ---

            """;
        const string Rules = "rules: [{ host: HOST, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]";

        var result = Translate(defaultClass, Services, Ingress("plain", Rules.Replace("HOST", "a.example.com")),
            Ingress("annotated", Rules.Replace("HOST", "b.example.com"), "{ kubernetes.io/ingress.class: konnect }"),
            Ingress("other", "ingressClassName: nginx\n" + Rules.Replace("HOST", "c.example.com")));

        Assert.Equal(["annotated:b.example.com", "plain:a.example.com"], result.Model.Routes.Select(r => r.Route).Order());
        var notDefault = Translate(KonnectClass, Services, Ingress("plain", Rules.Replace("HOST", "a.example.com")));
        Assert.Empty(notDefault.Model.Routes);
    }

    [Fact]
    public void ResourceBackendAndBadPaths_RefusedWithReasons_TheRestServes()
    {
        var result = Translate(KonnectClass, Services, Ingress("web", """
            ingressClassName: konnect
            rules:
              - host: a.example.com
                http:
                  paths:
                    - { path: /ok, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
                    - { path: /bucket, pathType: Prefix, backend: { resource: { apiGroup: k8s.example.com, kind: StorageBucket, name: assets } } }
                    - { path: relative, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
                    - { path: /noport, pathType: Prefix, backend: { service: { name: web } } }
                    - { path: /odd, pathType: Regex, backend: { service: { name: web, port: { number: 80 } } } }
            """));

        Assert.Equal(["/ok"], result.Model.Routes.Select(r => r.Matches[0].Path));
        var resolved = Condition(Status(result, "web"), ConditionTypes.ResolvedRefs);
        Assert.Equal(("False", "InvalidBackend"), (resolved.Status, resolved.Reason));
        Assert.Contains("spec.rules[0].http.paths[1].backend.resource: Konnect sends Ingress traffic to Services only, not to \"StorageBucket\" \"assets\"", resolved.Message);
        Assert.Contains("spec.rules[0].http.paths[2].path: \"relative\" must be an absolute path", resolved.Message);
        Assert.Contains("spec.rules[0].http.paths[3].service.port: a port number (1-65535) or name is required", resolved.Message.Replace(".backend", ""));
        Assert.Contains("spec.rules[0].http.paths[4].pathType: \"Regex\"; use Exact, Prefix or ImplementationSpecific", resolved.Message);
        Assert.Equal("True", Condition(Status(result, "web"), ConditionTypes.Accepted).Status);
    }

    [Fact]
    public void NothingServable_NotAccepted()
    {
        var result = Translate(KonnectClass, Ingress("web", """
            ingressClassName: konnect
            rules: [{ host: a.example.com, http: { paths: [{ path: /b, pathType: Prefix, backend: { resource: { kind: StorageBucket, name: b } } }] } }]
            """));

        var accepted = Condition(Status(result, "web"), ConditionTypes.Accepted);
        Assert.Equal(("False", "InvalidBackend"), (accepted.Status, accepted.Reason));
        Assert.Empty(result.Model.Routes);
    }

    [Fact]
    public void MissingService_TheHostsRouteSaysSo_AndAnswers503()
    {
        var result = Translate(KonnectClass, Ingress("web", """
            ingressClassName: konnect
            rules: [{ host: a.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: gone, port: { number: 80 } } } }] } }]
            """));

        var part = Status(result, "web:a.example.com");
        Assert.Equal(("False", "BackendNotFound"), (Condition(part, ConditionTypes.ResolvedRefs).Status, Condition(part, ConditionTypes.ResolvedRefs).Reason));
        Assert.Contains("Service shop/gone", Condition(part, ConditionTypes.ResolvedRefs).Message);
        Assert.NotNull(Assert.Single(result.Model.Routes).Unavailable);
    }

    [Fact]
    public void Tls_TheEntryNamingTheHostGivesItsSecret_RedirectByAnnotation()
    {
        var result = Translate(KonnectClass, Services, Ingress("web", """
            ingressClassName: konnect
            tls:
              - { hosts: [a.example.com], secretName: a-tls }
              - { hosts: [c.example.com] }
            rules:
              - { host: a.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }
              - { host: b.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }
              - { host: c.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }
            """, "{ konnect.dev/tls-redirect: \"true\" }"));

        var a = Status(result, "web:a.example.com");
        Assert.Equal(("False", "SecretNotFound"), (Condition(a, ConditionTypes.ResolvedRefs).Status, Condition(a, ConditionTypes.ResolvedRefs).Reason));
        Assert.Contains("Secret shop/a-tls not found", Condition(a, ConditionTypes.ResolvedRefs).Message);
        Assert.True(Assert.Single(result.Model.Routes, r => r.Route == "web:a.example.com").Tls?.Redirect);
        // No entry for b; c's entry names no Secret: both are served with the listener's default certificate.
        Assert.Null(Assert.Single(result.Model.Routes, r => r.Route == "web:b.example.com").Tls);
        Assert.Null(Assert.Single(result.Model.Routes, r => r.Route == "web:c.example.com").Tls);
    }

    [Fact]
    public void PoliciesAnnotation_AppliedToEveryPath_MissingOneFailsClosed()
    {
        var policy = """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: limits, namespace: shop }
            spec: { rateLimit: { key: clientIp, limits: [{ requests: 5, period: 1s }] } }
            ---

            """;
        const string Spec = """
            ingressClassName: konnect
            rules: [{ host: HOST, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]
            """;

        var result = Translate(KonnectClass, Services, policy,
            Ingress("limited", Spec.Replace("HOST", "a.example.com"), "{ konnect.dev/policies: \" limits \" }"),
            Ingress("broken", Spec.Replace("HOST", "b.example.com"), "{ konnect.dev/policies: \"limits, missing\" }"));

        Assert.NotNull(Assert.Single(result.Model.Routes, r => r.Route == "limited:a.example.com").Policies?.RateLimit);
        var broken = Assert.Single(result.Model.Routes, r => r.Route == "broken:b.example.com");
        Assert.Equal("PolicyNotFound", broken.Unavailable?.Reason);
        Assert.Contains("KonnectPolicy shop/missing not found", Condition(Status(result, "broken:b.example.com"), ConditionTypes.ResolvedRefs).Message);
    }

    [Fact]
    public void ConflictWithAKonnectRoute_TheYoungerLoses_AndSaysWhichWon()
    {
        var route = """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: api, namespace: shop, creationTimestamp: "2026-01-01T00:00:00Z" }
            spec:
              hosts: [a.example.com]
              rules: [{ matches: [{ path: { value: /api } }], backends: [{ service: web, port: 80 }] }]
            ---

            """;
        var ingress = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: web, namespace: shop, creationTimestamp: "2026-02-01T00:00:00Z" }
            spec:
              ingressClassName: konnect
              rules:
                - host: a.example.com
                  http: { paths: [{ path: /api, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
                - host: b.example.com
                  http: { paths: [{ path: /api, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
            ---

            """;

        var result = Translate(KonnectClass, Services, route, ingress);

        var lost = Condition(Status(result, "web:a.example.com"), ConditionTypes.Accepted);
        Assert.Equal(("False", "Conflicted"), (lost.Status, lost.Reason));
        Assert.Contains("is already served by KonnectRoute shop/api, which is older", lost.Message);
        // Only the host that conflicts is refused: the Ingress's other host still serves.
        Assert.Equal(["api/0", "web:b.example.com/0"], result.Model.Routes.Select(r => $"{r.Route}/{r.RuleIndex}").Order());
    }
}
