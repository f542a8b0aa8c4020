using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Konnect.Commands;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Chart.Tests;

/// <summary>
/// The chart's RBAC against what the controller really calls: a real `konnect run` (in process) on the fake API
/// server leads, writes status, sends an Event, creates and patches cert-manager Certificates, publishes its Service's
/// address on an Ingress, writes the status of a GatewayClass, a Gateway and an HTTPRoute; the fake records every (group, resource, verb, namespace) it served. The chart must grant
/// each of them, and nothing beyond them except the grants justified in <see cref="Justified"/>.
/// </summary>
public sealed partial class ChartRbacTests : IAsyncLifetime
{
    private const string ReleaseNamespace = "konnect-system";

    /// <summary>Granted though a run does not call them, each for a reason the chart's comments give.</summary>
    private static readonly HashSet<Grant> Justified =
    [
        // OwnerReferencesPermissionEnforcement (OpenShift): setting blockOwnerDeletion on a Certificate owned by a
        // route needs update on the route's finalizers; the fake API server has no such admission plugin.
        new("konnect.dev", "konnectroutes/finalizers", "update"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-rbac-").FullName;
    private FakeKubeApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync();
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), _api.Url, ReleaseNamespace);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ChartRbac_GrantsExactlyWhatTheControllerCalls()
    {
        var accesses = await RecordControllerAccessesAsync();
        // Calls in the release namespace only: the Lease, and the --publish-service Service (the chart's own).
        static bool InRelease(FakeKubeAccess a) => a.Resource == "leases" || (a.Resource == "services" && a.Verb == "get");
        var (release, watched) = (accesses.Where(InRelease).ToList(), accesses.Where(a => !InRelease(a)).ToList());
        var called = watched.Select(a => new Grant(a.Group, a.Resource, a.Verb)).ToHashSet();
        // A run covers every kind of call, or the comparison below would prove little.
        Assert.Superset(new HashSet<string> { "get", "list", "watch", "create", "patch" }, called.Select(g => g.Verb).ToHashSet());
        Assert.Contains(new Grant("cert-manager.io", "certificates", "patch"), called);
        Assert.Contains(new Grant("events.k8s.io", "events", "create"), called);
        Assert.Contains(new Grant("konnect.dev", "konnectroutes/status", "patch"), called);
        Assert.Contains(new Grant("networking.k8s.io", "ingresses/status", "patch"), called);
        Assert.Contains(new Grant("networking.k8s.io", "ingressclasses", "watch"), called);
        Assert.Contains(new Grant("gateway.networking.k8s.io", "httproutes/status", "patch"), called);
        Assert.Contains(new Grant("gateway.networking.k8s.io", "grpcroutes/status", "patch"), called);
        Assert.Contains(new Grant("gateway.networking.k8s.io", "gatewayclasses/status", "get"), called);
        Assert.Contains(new Grant("gateway.networking.k8s.io", "referencegrants", "watch"), called);
        Assert.Contains(new Grant("", "namespaces", "watch"), called);

        // Leases and the published Service: only in the release namespace, and only through the Roles there.
        Assert.All(release, a => Assert.Equal(ReleaseNamespace, a.Namespace));
        var leaseCalls = release.Where(a => a.Resource == "leases").Select(a => new Grant(a.Group, a.Resource, a.Verb)).ToHashSet();
        Assert.Equal(new HashSet<string> { "get", "create", "update" }, leaseCalls.Select(g => g.Verb).ToHashSet());
        Assert.Equal(leaseCalls, ReleaseRoleGrants("leader-election-role.yaml"));
        Assert.Equal(new HashSet<Grant> { new("", "services", "get") }, ReleaseRoleGrants("publish-service-role.yaml"));
        Assert.Contains(release, a => a.Resource == "services");
        Assert.DoesNotContain(ControllerGrants(certManager: true), g => g.Resource == "leases" || g.Verb == "get" && g.Resource == "services");

        // IngressClasses, GatewayClasses and Namespaces have no namespace: listed cluster-wide even by a namespaced
        // Konnect (and a GatewayClass's status written without one), granted by a ClusterRole.
        static bool ClusterScoped(string resource) => resource.Split('/')[0] is "ingressclasses" or "gatewayclasses" or "namespaces";
        Assert.All(watched.Where(a => ClusterScoped(a.Resource)), a => Assert.Null(a.Namespace));
        Assert.Equal(called.Where(g => ClusterScoped(g.Resource)).ToHashSet(), ClusterScopedGrants());

        // Everything else: the rules the ClusterRole (or each watched namespace's Role) gets, with cert-manager on.
        var granted = ControllerGrants(certManager: true).Union(ClusterScopedGrants()).ToHashSet();
        var notGranted = called.Where(g => !granted.Contains(g)).ToList();
        Assert.True(notGranted.Count == 0, "the chart does not grant:\n" + string.Join('\n', notGranted));
        var unused = granted.Where(g => !called.Contains(g) && !Justified.Contains(g)).ToList();
        Assert.True(unused.Count == 0, "the chart grants what the controller never calls:\n" + string.Join('\n', unused));

        // Without cert-manager the Certificates stay readable (the controller always watches them) but not writable.
        var withoutCertManager = ControllerGrants(certManager: false).Union(ClusterScopedGrants()).ToHashSet();
        Assert.Equal(called.Where(g => g.Resource != "certificates" || g.Verb is "list" or "watch").ToHashSet(), withoutCertManager);
    }

    [Fact]
    public void RbacTemplate_UsesTheSameRulesForClusterRoleAndNamespacedRoles()
    {
        var rbac = File.ReadAllText(Path.Combine(ChartFiles.Templates, "rbac.yaml"));
        Assert.Equal(2, Regex.Matches(rbac, @"include ""konnect\.rules""").Count);
        Assert.Contains("kind: ClusterRole\n", rbac, StringComparison.Ordinal);
        Assert.Contains("kind: Role\n", rbac, StringComparison.Ordinal);
        Assert.Contains("range .Values.watchNamespaces", rbac, StringComparison.Ordinal);
        // The cluster-scoped rules: in the ClusterRole, or in their own ClusterRole beside the namespaced Roles.
        Assert.Equal(2, Regex.Matches(rbac, @"include ""konnect\.clusterRules""").Count);
    }

    [Fact]
    public void SampleRbac_ClusterWide_GrantsWhatTheChartGrantsWithCertManager()
    {
        // samples/rbac is for installs without the chart: it must not drift from the rules the run above proves.
        var docs = SampleDocs("cluster-wide.yaml");
        Assert.Equal(ControllerGrants(certManager: true).Union(ClusterScopedGrants()).ToHashSet(), Grants(Role(docs, "ClusterRole", "konnect")));
        Assert.Equal(ReleaseRoleGrants("publish-service-role.yaml"), Grants(Role(docs, "Role", "konnect-publish-service")));
    }

    [Fact]
    public void SampleRbac_Namespaced_GrantsWhatTheChartGrantsWithCertManager()
    {
        var docs = SampleDocs("namespaced.yaml");
        Assert.Equal(ControllerGrants(certManager: true), Grants(Role(docs, "Role", "konnect")));
        // Cluster-scoped kinds: a ClusterRole even here, with nothing else in it.
        Assert.Equal(ClusterScopedGrants(), Grants(Role(docs, "ClusterRole", "konnect-cluster-scoped")));
    }

    private static List<JsonNode?> SampleDocs(string file) => [.. ChartFiles.YamlToJson(File.ReadAllText(Path.Combine(Repo.Root, "samples", "rbac", file)))];

    private static JsonArray Role(List<JsonNode?> docs, string kind, string name) =>
        Assert.Single(docs, d => d?["kind"]?.GetValue<string>() == kind && d["metadata"]!["name"]!.GetValue<string>() == name)!["rules"]!.AsArray();

    /// <summary>Runs the controller until it has done every kind of call once, then stops it (releasing the Lease).</summary>
    private async Task<List<FakeKubeAccess>> RecordControllerAccessesAsync()
    {
        Put("/apis/konnect.dev/v1alpha1/konnectpolicies", """
            { "apiVersion": "konnect.dev/v1alpha1", "kind": "KonnectPolicy", "metadata": { "name": "deny-local", "namespace": "default" },
              "spec": { "ipAccess": { "deny": ["10.0.0.0/8"] } } }
            """);
        Put("/apis/konnect.dev/v1alpha1/konnectconsumers", """
            { "apiVersion": "konnect.dev/v1alpha1", "kind": "KonnectConsumer", "metadata": { "name": "acme", "namespace": "default" },
              "spec": { "groups": ["gold"] } }
            """);
        Put("/apis/konnect.dev/v1alpha1/konnectroutes", Route("shop", "shop.test", "http://127.0.0.1:1", tls: true));
        Put("/apis/konnect.dev/v1alpha1/konnectroutes", Route("broken", "broken.test", "ftp://nowhere", tls: false));
        // A Certificate the route owns but with stale dnsNames: the leader patches it.
        var moved = Put("/apis/konnect.dev/v1alpha1/konnectroutes", Route("moved", "new.moved.test", "http://127.0.0.1:1", tls: true));
        Put("/apis/cert-manager.io/v1/certificates", $$"""
            { "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
              "metadata": { "name": "konnect-moved", "namespace": "default", "ownerReferences": [{ "apiVersion": "konnect.dev/v1alpha1",
                "kind": "KonnectRoute", "name": "moved", "uid": "{{moved["metadata"]!["uid"]}}", "controller": true, "blockOwnerDeletion": true }] },
              "spec": { "secretName": "moved-tls", "dnsNames": ["old.moved.test"], "issuerRef": { "name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io" } } }
            """);

        // Ingress v1: a Konnect class, an Ingress of it with a refused path (an Event), and the Service --publish-service names.
        Put("/apis/networking.k8s.io/v1/ingressclasses", """
            { "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": { "name": "konnect" }, "spec": { "controller": "konnect.dev/ingress-controller" } }
            """);
        Put("/apis/networking.k8s.io/v1/ingresses", """
            { "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": { "name": "web", "namespace": "default" },
              "spec": { "ingressClassName": "konnect", "rules": [{ "host": "web.test", "http": { "paths": [
                { "path": "/", "pathType": "Prefix", "backend": { "service": { "name": "web", "port": { "number": 80 } } } },
                { "path": "/bucket", "pathType": "Prefix", "backend": { "resource": { "kind": "Bucket", "name": "b" } } }] } }] } }
            """);
        Put("/api/v1/services", $$"""
            { "apiVersion": "v1", "kind": "Service", "metadata": { "name": "konnect", "namespace": "{{ReleaseNamespace}}" },
              "spec": { "type": "ClusterIP", "clusterIP": "10.96.0.10", "ports": [{ "name": "http", "port": 80 }] } }
            """);

        // The Gateway API: Konnect's class, a Gateway with an HTTP listener (and one of a kind it cannot serve: an Event),
        // an HTTPRoute attached to it, a ReferenceGrant and a labelled Namespace.
        Put("/apis/gateway.networking.k8s.io/v1/gatewayclasses", """
            { "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": { "name": "konnect" }, "spec": { "controllerName": "konnect.dev/gateway-controller" } }
            """);
        Put("/apis/gateway.networking.k8s.io/v1/gateways", """
            { "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": { "name": "gw", "namespace": "default" },
              "spec": { "gatewayClassName": "konnect", "listeners": [{ "name": "http", "port": 80, "protocol": "HTTP" }, { "name": "tcp", "port": 9000, "protocol": "TCP" }] } }
            """);
        Put("/apis/gateway.networking.k8s.io/v1/httproutes", """
            { "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": { "name": "gw-web", "namespace": "default" },
              "spec": { "parentRefs": [{ "name": "gw" }], "hostnames": ["gw.test"], "rules": [{ "backendRefs": [{ "name": "web", "port": 80 }] }] } }
            """);
        Put("/apis/gateway.networking.k8s.io/v1/grpcroutes", """
            { "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute", "metadata": { "name": "gw-grpc", "namespace": "default" },
              "spec": { "parentRefs": [{ "name": "gw" }], "hostnames": ["grpc.test"], "rules": [{ "backendRefs": [{ "name": "web", "port": 80 }] }] } }
            """);
        Put("/apis/gateway.networking.k8s.io/v1beta1/referencegrants", """
            { "apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant", "metadata": { "name": "from-default", "namespace": "default" },
              "spec": { "from": [{ "group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "default" }], "to": [{ "group": "", "kind": "Service" }] } }
            """);
        Put("/api/v1/namespaces", """{ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "default", "labels": { "team": "shop" } } }""");

        var app = RunCommand.Build(new RunOptions(null, ["http://127.0.0.1:0"], ["http://127.0.0.1:0"])
        {
            Kubeconfig = Path.Combine(_dir, "kubeconfig"),
            PublishService = $"{ReleaseNamespace}/konnect",
            LeaseDuration = TestLeaderElection.LeaseDuration, RenewDeadline = TestLeaderElection.RenewDeadline, RetryPeriod = TestLeaderElection.RetryPeriod,
        });
        await app.StartAsync();
        try
        {
            await Repo.EventuallyAsync(() => Task.FromResult(
                app.Services.GetRequiredService<LeaderElector>().IsLeader
                && _api.CountRequests("PUT", "/konnect-leader") > 0
                && _api.CountRequests("PATCH", "/konnectroutes/broken/status") > 0
                && _api.CountRequests("PATCH", "/konnectpolicies/deny-local/status") > 0
                && _api.CountRequests("PATCH", "/konnectconsumers/acme/status") > 0
                && _api.CountRequests("POST", "/events") > 1
                && _api.CountRequests("PATCH", "/ingresses/web/status") > 0
                && _api.CountRequests("POST", "/certificates") > 0
                && _api.CountRequests("PATCH", "/certificates/konnect-moved") > 0
                && _api.CountRequests("PATCH", "/gatewayclasses/konnect/status") > 0
                && _api.CountRequests("PATCH", "/gateways/gw/status") > 0
                && _api.CountRequests("PATCH", "/httproutes/gw-web/status") > 0
                && _api.CountRequests("PATCH", "/grpcroutes/gw-grpc/status") > 0), "leader, status, Ingress and Gateway API status, events and Certificate writes", 15);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        return [.. _api.Accesses];
    }

    private JsonObject Put(string collection, string json) => _api.Put(collection, JsonNode.Parse(json)!.AsObject());

    private static string Route(string name, string host, string backend, bool tls) => $$"""
        { "apiVersion": "konnect.dev/v1alpha1", "kind": "KonnectRoute", "metadata": { "name": "{{name}}", "namespace": "default" },
          "spec": { "hosts": ["{{host}}"], "rules": [{ "backends": [{ "url": "{{backend}}" }] }]
                    {{(tls ? $$""", "tls": { "secretName": "{{name}}-tls", "issuerRef": { "kind": "ClusterIssuer", "name": "letsencrypt" } }""" : "")}} } }
        """;

    /// <summary>
    /// The "konnect.rules" list from templates/_rules.tpl as Helm would render it: the only action allowed inside it is
    /// the certManager.enabled block (kept or dropped), so the YAML left is exactly what the ClusterRole/Roles get.
    /// </summary>
    private static HashSet<Grant> ControllerGrants(bool certManager)
    {
        var body = Define("konnect.rules");
        var kept = new List<string>();
        var inCertManager = false;
        foreach (var line in body.Groups[1].Value.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed == "{{- if .Values.certManager.enabled }}") { inCertManager = true; continue; }
            if (trimmed == "{{- end }}" && inCertManager) { inCertManager = false; continue; }
            Assert.DoesNotContain("{{", line); // keep the rules plain: this check reads them as YAML
            if (!inCertManager || certManager) { kept.Add(line); }
        }
        return Grants(ChartFiles.YamlToJson(string.Join('\n', kept)).Single()!.AsArray());
    }

    /// <summary>The "konnect.clusterRules" list (cluster-scoped kinds): plain YAML, no action inside.</summary>
    private static HashSet<Grant> ClusterScopedGrants()
    {
        var body = Define("konnect.clusterRules").Groups[1].Value;
        Assert.DoesNotContain("{{", body);
        return Grants(ChartFiles.YamlToJson(body).Single()!.AsArray());
    }

    private static Match Define(string name)
    {
        var text = File.ReadAllText(Path.Combine(ChartFiles.Templates, "_rules.tpl"));
        var body = Regex.Match(text, $$"""\{\{- define "{{Regex.Escape(name)}}" -\}\}\n(.*?)\n\{\{- end -\}\}""", RegexOptions.Singleline);
        Assert.True(body.Success, $"_rules.tpl has no {{{{- define \"{name}\" -}}}} ... {{{{- end -}}}}");
        return body;
    }

    /// <summary>The rules of the one Role in a template that lives in the release namespace.</summary>
    private static HashSet<Grant> ReleaseRoleGrants(string template)
    {
        var docs = ChartFiles.YamlToJson(ChartFiles.StripActions(File.ReadAllText(Path.Combine(ChartFiles.Templates, template))));
        var role = Assert.Single(docs, d => d?["kind"]?.GetValue<string>() == "Role")!;
        Assert.Equal("placeholder", role["metadata"]!["namespace"]!.GetValue<string>()); // {{ .Release.Namespace }}
        return Grants(role["rules"]!.AsArray());
    }

    private static HashSet<Grant> Grants(JsonArray rules) =>
    [
        .. from rule in rules
           from g in rule!["apiGroups"]!.AsArray()
           from r in rule["resources"]!.AsArray()
           from v in rule["verbs"]!.AsArray()
           select new Grant(g!.GetValue<string>(), r!.GetValue<string>(), v!.GetValue<string>()),
    ];

    private sealed record Grant(string Group, string Resource, string Verb);
}
