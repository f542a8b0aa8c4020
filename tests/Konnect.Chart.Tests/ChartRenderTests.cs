using System.Text.Json.Nodes;
using Konnect.Testing;
using NJsonSchema;

namespace Konnect.Chart.Tests;

/// <summary>
/// charts/konnect rendered for real (chart-render/main.go: Go text/template + sprig, as helm template does) with value
/// sets covering each branch of the templates, and the output checked as the Kubernetes objects it becomes.
/// </summary>
public sealed class ChartRenderTests
{
    /// <summary>One value set per template branch, each valid against values.schema.json.</summary>
    public static readonly Dictionary<string, string> ValueSets = new()
    {
        ["defaults"] = "{}",
        ["deployment"] = """{"kind": "Deployment", "replicas": 3}""",
        ["watchNamespaces"] = """{"watchNamespaces": ["a", "b"]}""",
        ["certManager"] = """{"certManager": {"enabled": true}}""",
        ["serviceMonitor"] = """{"serviceMonitor": {"enabled": true, "labels": {"release": "kps"}}}""",
        ["dashboardOff"] = """{"dashboard": {"enabled": false}}""",
        ["hostNetwork"] = """{"hostNetwork": true, "hostPorts": {"enabled": true}, "containerPorts": {"http": 80, "https": 443}}""",
        ["hostPorts"] = """{"kind": "Deployment", "hostPorts": {"enabled": true}}""",
        ["lowPort"] = """{"containerPorts": {"http": 80}}""",
        ["portal"] = """{"portal": {"enabled": true}}""",
        ["redis"] = """{"redis": {"address": "redis.shop:6379", "passwordSecret": {"name": "redis-auth", "key": "pw"}}}""",
        ["redisTls"] = """
            {"redis": {"address": "rediss://redis.shop:6380,redis-1.shop:6380", "username": "konnect", "passwordSecret": {"name": "redis-auth"},
             "database": 2, "timeout": "500ms", "tls": {"ca": {"secretName": "redis-ca", "key": "bundle.pem"}, "serverName": "redis.shop.internal"},
             "sentinel": {"service": "mymaster", "passwordSecret": {"name": "sentinel-auth", "key": "pw"}}}}
            """,
        ["redisCaConfigMap"] = """{"redis": {"address": "redis.shop:6379", "tls": {"enabled": true, "ca": {"configMapName": "redis-ca"}}}}""",
        ["extras"] = """{"extraArgs": ["--access-log", "off"], "extraEnv": [{"name": "KONNECT_CONSUMER_METRICS", "value": "on"}], "logLevel": "Debug"}""",
        ["nodePort"] = """{"service": {"type": "NodePort", "nodePorts": {"http": 30080, "https": 30443}}}""",
        ["ingressClassDefault"] = """{"ingressClass": {"name": "edge", "default": true}}""",
        ["ingressClassOff"] = """{"ingressClass": {"enabled": false}}""",
        ["gatewayClass"] = """{"gatewayClass": {"enabled": true, "name": "edge"}}""",
        ["pdbDeployment"] = """{"kind": "Deployment", "podDisruptionBudget": {"enabled": true}}""",
        ["pdbDaemonSet"] = """{"podDisruptionBudget": {"enabled": true, "minAvailable": 1}}""",
        // Valid names YAML would read as numbers unless the chart quotes them.
        ["numberLikeNames"] = """{"watchNamespaces": ["2024"], "priorityClassName": "1000", "redis": {"address": "r:6379", "passwordSecret": {"name": "1234", "key": "0"}}}""",
        ["scheduling"] = """
            {"tolerations": [{"key": "edge", "operator": "Exists", "effect": "NoSchedule"}], "nodeSelector": {"role": "edge"},
             "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}}, "podAnnotations": {"a.example/x": "1"},
             "imagePullSecrets": [{"name": "regcred"}], "priorityClassName": "system-cluster-critical",
             "serviceAccount": {"annotations": {"iam.example/role": "gw"}}, "service": {"annotations": {"lb.example/internal": "true"}},
             "image": {"tag": "dev", "pullPolicy": "Never"}}
            """,
    };

    public static TheoryData<string> ValueSetNames => [.. ValueSets.Keys];

    internal static JsonObject Values(string set) => JsonNode.Parse(ValueSets[set])!.AsObject();

    [Theory]
    [MemberData(nameof(ValueSetNames))]
    public async Task ValueSet_RendersSoundObjectsAndNotes(string set)
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(ChartFiles.Dir, "values.schema.json"));
        var merged = ChartFiles.Values()!.AsObject();
        Merge(merged, Values(set));
        var errors = schema.Validate(merged.ToJsonString());
        Assert.True(errors.Count == 0, $"value set {set} is not valid values: " + string.Join(", ", errors.Select(e => $"{e.Path}: {e.Kind}")));

        var chart = await ChartRenderer.RenderAsync(Values(set));
        var problems = chart.Problems();
        Assert.True(problems.Count == 0, $"{set}:\n" + string.Join('\n', problems) + "\n" + chart.Yaml);
        Assert.Equal(["ServiceAccount", "Role", "RoleBinding", "Service"], new[] { "ServiceAccount", "Role", "RoleBinding", "Service" }.Intersect(chart.Objects.Select(o => RenderedChart.Str(o["kind"]))));

        var (exitCode, notes, stderr) = await ChartRenderer.RunAsync(Values(set), notes: true);
        Assert.True(exitCode == 0, stderr);
        Assert.Contains($"is running as a {RenderedChart.Str(chart.Workload["kind"])} in namespace {ChartRenderer.Namespace}", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", notes + chart.Yaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defaults_DaemonSetClusterRoleDashboardAndNoOptionalObjects()
    {
        var chart = await ChartRenderer.RenderAsync([]);
        Assert.Equal("DaemonSet", RenderedChart.Str(chart.Workload["kind"]));
        Assert.Null(chart.Workload["spec"]!["replicas"]);
        Assert.Single(chart.OfKind("ClusterRole"));
        Assert.Single(chart.OfKind("ClusterRoleBinding"));
        var dashboard = Assert.Single(chart.OfKind("ConfigMap"));
        Assert.Equal("1", RenderedChart.Labels(dashboard["metadata"]!["labels"])["grafana_dashboard"]);
        Assert.Equal(File.ReadAllText(Path.Combine(ChartFiles.Dir, "dashboards", "konnect.json")).TrimEnd('\n'), RenderedChart.Str(dashboard["data"]!["konnect.json"]));
        Assert.Empty(chart.OfKind("ServiceMonitor"));
        Assert.Empty(chart.OfKind("PodDisruptionBudget"));
        Assert.Single(chart.OfKind("Service"));
        Assert.Equal("LoadBalancer", RenderedChart.Str(chart.TrafficService["spec"]!["type"]));
        Assert.Null(chart.PodSpec["hostNetwork"]);
        Assert.Null(chart.PodSpec["securityContext"]!["sysctls"]);
        Assert.Empty(chart.SecretRefs());
        Assert.Equal(["run", "--listen", "http://0.0.0.0:8080", "--listen-tls", "https://0.0.0.0:8443", "--admin-listen", "http://0.0.0.0:9090", "--log-format", "json"], chart.Args);
    }

    [Fact]
    public async Task Deployment_HasReplicasAndNoDaemonSet()
    {
        var chart = await ChartRenderer.RenderAsync(Values("deployment"));
        Assert.Equal("Deployment", RenderedChart.Str(chart.Workload["kind"]));
        Assert.Equal(3, chart.Workload["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal(1, chart.Workload["spec"]!["strategy"]!["rollingUpdate"]!["maxSurge"]!.GetValue<long>());
        Assert.Empty(chart.OfKind("DaemonSet"));
    }

    [Fact]
    public async Task WatchNamespaces_RoleAndBindingPerNamespace_ClusterRoleForClusterScopedKindsOnly()
    {
        var chart = await ChartRenderer.RenderAsync(Values("watchNamespaces"));
        // IngressClasses, GatewayClasses and Namespaces have no namespace: the one cluster-wide grant.
        var clusterRole = Assert.Single(chart.OfKind("ClusterRole"));
        Assert.Equal($"{ChartRenderer.ReleaseName}-cluster-scoped", RenderedChart.Name(clusterRole));
        Assert.Equal(["networking.k8s.io ingressclasses list,watch", "gateway.networking.k8s.io gatewayclasses list,watch",
            "gateway.networking.k8s.io gatewayclasses/status get,patch", " namespaces list,watch"], clusterRole["rules"]!.AsArray().Select(r => Rule(r!)));
        var clusterBinding = Assert.Single(chart.OfKind("ClusterRoleBinding"));
        Assert.Equal(RenderedChart.Name(clusterRole), RenderedChart.Str(clusterBinding["roleRef"]!["name"]));
        Assert.Equal(ChartRenderer.Namespace, RenderedChart.Str(clusterBinding["subjects"]![0]!["namespace"]));
        var controllerRoles = chart.OfKind("Role").Where(r => RenderedChart.Name(r) == ChartRenderer.ReleaseName).ToList();
        Assert.Equal(["a", "b"], controllerRoles.Select(r => RenderedChart.Str(r["metadata"]!["namespace"])));
        Assert.All(controllerRoles, r => Assert.Contains(r["rules"]!.AsArray(), rule => rule!["resources"]!.AsArray().Any(x => RenderedChart.Str(x) == "konnectroutes")));
        var bindings = chart.OfKind("RoleBinding").Where(b => RenderedChart.Name(b) == ChartRenderer.ReleaseName).ToList();
        Assert.Equal(["a", "b"], bindings.Select(b => RenderedChart.Str(b["metadata"]!["namespace"])));
        Assert.All(bindings, b => Assert.Equal(ChartRenderer.Namespace, RenderedChart.Str(b["subjects"]![0]!["namespace"])));
        // The leader-election Role stays in the release namespace.
        Assert.Equal(ChartRenderer.Namespace, RenderedChart.Str(chart.Single("Role", $"{ChartRenderer.ReleaseName}-leader-election")["metadata"]!["namespace"]));
        Assert.Equal(["--namespace", "a", "--namespace", "b"], chart.Args.Skip(9));
    }

    [Fact]
    public async Task IngressClass_ByDefault_KonnectsControllerNotDefaultAndTheServiceIsPublished()
    {
        var chart = await ChartRenderer.RenderAsync([]);
        var ingressClass = Assert.Single(chart.OfKind("IngressClass"));
        Assert.Equal("networking.k8s.io/v1", RenderedChart.Str(ingressClass["apiVersion"]));
        Assert.Equal("konnect", RenderedChart.Name(ingressClass));
        Assert.Null(ingressClass["metadata"]!["namespace"]);
        Assert.Null(ingressClass["metadata"]!["annotations"]);
        Assert.Equal("konnect.dev/ingress-controller", RenderedChart.Str(ingressClass["spec"]!["controller"]));
        // The traffic Service's address goes into the Ingresses' status; the leader may read that Service only.
        Assert.Equal($"{ChartRenderer.Namespace}/{ChartRenderer.ReleaseName}", Env(chart, "KONNECT_PUBLISH_SERVICE"));
        var rule = Assert.Single(chart.Single("Role", $"{ChartRenderer.ReleaseName}-publish-service")["rules"]!.AsArray())!;
        Assert.Equal(" services get", Rule(rule));
        Assert.Equal([ChartRenderer.ReleaseName], Strs(rule["resourceNames"]));
        Assert.Equal(ChartRenderer.ReleaseName, RenderedChart.Name(chart.TrafficService));
        // The ClusterRole reads IngressClasses and Ingresses, and writes only the Ingresses' status.
        var ingressGrants = chart.Single("ClusterRole", ChartRenderer.ReleaseName)["rules"]!.AsArray()
            .Where(r => Strs(r!["apiGroups"]).Contains("networking.k8s.io")).SelectMany(r => Strs(r!["resources"]).SelectMany(x => Strs(r!["verbs"]).Select(v => $"{x}:{v}")));
        Assert.Equal(["ingressclasses:list", "ingressclasses:watch", "ingresses/status:get", "ingresses/status:patch", "ingresses:list", "ingresses:watch"], ingressGrants.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task IngressClass_NamedAndDefault_CarriesTheDefaultClassAnnotation()
    {
        var chart = await ChartRenderer.RenderAsync(Values("ingressClassDefault"));
        var ingressClass = Assert.Single(chart.OfKind("IngressClass"));
        Assert.Equal("edge", RenderedChart.Name(ingressClass));
        Assert.Equal("true", RenderedChart.Str(ingressClass["metadata"]!["annotations"]!["ingressclass.kubernetes.io/is-default-class"]));
    }

    [Fact]
    public async Task IngressClass_Disabled_NoIngressClass()
    {
        var chart = await ChartRenderer.RenderAsync(Values("ingressClassOff"));
        Assert.Empty(chart.OfKind("IngressClass"));
    }

    [Fact]
    public async Task GatewayClass_ByDefault_NotCreated_ButGatewayApiGrantedEvenInANamespacedInstall()
    {
        var chart = await ChartRenderer.RenderAsync([]);
        Assert.Empty(chart.OfKind("GatewayClass"));
        var namespaced = await ChartRenderer.RenderAsync(JsonNode.Parse("""{"watchNamespaces": ["a"]}""")!.AsObject());
        // GatewayClasses (and their status) and Namespaces are cluster-scoped: the namespaced install's ClusterRole has them.
        var clusterScoped = namespaced.Single("ClusterRole", $"{ChartRenderer.ReleaseName}-cluster-scoped")["rules"]!.AsArray()
            .SelectMany(r => Strs(r!["resources"]).SelectMany(x => Strs(r!["verbs"]).Select(v => $"{x}:{v}")));
        Assert.Equal(["gatewayclasses/status:get", "gatewayclasses/status:patch", "gatewayclasses:list", "gatewayclasses:watch", "ingressclasses:list", "ingressclasses:watch",
            "namespaces:list", "namespaces:watch"], clusterScoped.Order(StringComparer.Ordinal));
        var role = namespaced.Single("Role", ChartRenderer.ReleaseName)["rules"]!.AsArray()
            .Where(r => Strs(r!["apiGroups"]).Contains("gateway.networking.k8s.io")).SelectMany(r => Strs(r!["resources"]).SelectMany(x => Strs(r!["verbs"]).Select(v => $"{x}:{v}")));
        Assert.Equal(["gateways/status:get", "gateways/status:patch", "gateways:list", "gateways:watch", "grpcroutes/status:get", "grpcroutes/status:patch",
            "grpcroutes:list", "grpcroutes:watch", "httproutes/status:get", "httproutes/status:patch",
            "httproutes:list", "httproutes:watch", "referencegrants:list", "referencegrants:watch"], role.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GatewayClass_Enabled_KonnectsControllerNameClusterScoped()
    {
        var chart = await ChartRenderer.RenderAsync(Values("gatewayClass"));
        var gatewayClass = Assert.Single(chart.OfKind("GatewayClass"));
        Assert.Equal("gateway.networking.k8s.io/v1", RenderedChart.Str(gatewayClass["apiVersion"]));
        Assert.Equal("edge", RenderedChart.Name(gatewayClass));
        Assert.Null(gatewayClass["metadata"]!["namespace"]);
        Assert.Equal("konnect.dev/gateway-controller", RenderedChart.Str(gatewayClass["spec"]!["controllerName"]));
    }

    /// <summary>"GROUPS RESOURCES VERBS", each comma-separated.</summary>
    private static string Rule(JsonNode rule) => $"{string.Join(',', Strs(rule["apiGroups"]))} {string.Join(',', Strs(rule["resources"]))} {string.Join(',', Strs(rule["verbs"]))}";

    private static List<string> Strs(JsonNode? array) => [.. array!.AsArray().Select(RenderedChart.Str)];

    private static string? Env(RenderedChart chart, string name) =>
        chart.Container["env"]!.AsArray().Where(e => RenderedChart.Str(e!["name"]) == name).Select(e => RenderedChart.Str(e!["value"])).SingleOrDefault();

    [Fact]
    public async Task CertManager_GrantsCreateAndPatchOnCertificates()
    {
        static List<string> CertificateVerbs(RenderedChart chart) => [.. chart.Single("ClusterRole", ChartRenderer.ReleaseName)["rules"]!.AsArray()
            .Where(r => r!["resources"]!.AsArray().Any(x => RenderedChart.Str(x) == "certificates")).SelectMany(r => r!["verbs"]!.AsArray().Select(RenderedChart.Str))];
        Assert.Equal(["list", "watch"], CertificateVerbs(await ChartRenderer.RenderAsync([])));
        Assert.Equal(["list", "watch", "create", "patch"], CertificateVerbs(await ChartRenderer.RenderAsync(Values("certManager"))));
    }

    [Fact]
    public async Task ServiceMonitor_ScrapesTheAdminServiceOnly()
    {
        var chart = await ChartRenderer.RenderAsync(Values("serviceMonitor"));
        var monitor = chart.Single("ServiceMonitor", ChartRenderer.ReleaseName);
        Assert.Equal("kps", RenderedChart.Labels(monitor["metadata"]!["labels"])["release"]);
        Assert.Equal("admin", RenderedChart.Str(monitor["spec"]!["endpoints"]![0]!["port"]));
        var admin = chart.Single("Service", $"{ChartRenderer.ReleaseName}-admin");
        Assert.Equal("ClusterIP", RenderedChart.Str(admin["spec"]!["type"]));
        Assert.Equal("admin:9090->admin", string.Join(",", admin["spec"]!["ports"]!.AsArray().Select(p => $"{RenderedChart.Str(p!["name"])}:{RenderedChart.Str(p["port"])}->{RenderedChart.Str(p["targetPort"])}")));
    }

    [Fact]
    public async Task DashboardOff_NoConfigMap()
    {
        Assert.Empty((await ChartRenderer.RenderAsync(Values("dashboardOff"))).OfKind("ConfigMap"));
    }

    [Fact]
    public async Task HostNetwork_NoHostPortsAndNoSysctl_ButNetBindService()
    {
        var chart = await ChartRenderer.RenderAsync(Values("hostNetwork"));
        Assert.True(chart.PodSpec["hostNetwork"]!.GetValue<bool>());
        Assert.Equal("ClusterFirstWithHostNet", RenderedChart.Str(chart.PodSpec["dnsPolicy"]));
        Assert.All(chart.Container["ports"]!.AsArray(), p => Assert.Null(p!["hostPort"]));
        Assert.Null(chart.PodSpec["securityContext"]!["sysctls"]);
        Assert.Equal("""["NET_BIND_SERVICE"]""", chart.Container["securityContext"]!["capabilities"]!["add"]!.ToJsonString());
    }

    [Fact]
    public async Task HostPorts_PublishTrafficPortsOnlyAndSurgeIsZero()
    {
        var chart = await ChartRenderer.RenderAsync(Values("hostPorts"));
        var hostPorts = chart.Container["ports"]!.AsArray().ToDictionary(p => RenderedChart.Str(p!["name"]), p => RenderedChart.Str(p!["hostPort"]));
        Assert.Equal(new Dictionary<string, string> { ["http"] = "80", ["https"] = "443", ["admin"] = "" }, hostPorts);
        Assert.Equal(0, chart.Workload["spec"]!["strategy"]!["rollingUpdate"]!["maxSurge"]!.GetValue<long>());
    }

    [Fact]
    public async Task LowContainerPort_AddsNetBindServiceAndUnprivilegedPortSysctl()
    {
        var chart = await ChartRenderer.RenderAsync(Values("lowPort"));
        Assert.Equal("""["NET_BIND_SERVICE"]""", chart.Container["securityContext"]!["capabilities"]!["add"]!.ToJsonString());
        Assert.Equal("""[{"name":"net.ipv4.ip_unprivileged_port_start","value":"0"}]""", chart.PodSpec["securityContext"]!["sysctls"]!.ToJsonString());
        Assert.Contains("http://0.0.0.0:80", chart.Args);
    }

    [Fact]
    public async Task Portal_OffByDefault_OnItsOwnPortWhenEnabled_NeverOnTheTrafficService()
    {
        var off = await ChartRenderer.RenderAsync([]);
        var on = await ChartRenderer.RenderAsync(Values("portal"));

        Assert.DoesNotContain("--portal-listen", off.Args);
        Assert.DoesNotContain(off.Container["ports"]!.AsArray(), p => RenderedChart.Str(p!["name"]) == "portal");
        Assert.Equal("http://0.0.0.0:8081", on.Args[on.Args.IndexOf("--portal-listen") + 1]);
        Assert.Single(on.Container["ports"]!.AsArray(), p => RenderedChart.Str(p!["name"]) == "portal" && RenderedChart.Str(p["containerPort"]) == "8081");
        Assert.DoesNotContain(on.TrafficService["spec"]!["ports"]!.AsArray(), p => RenderedChart.Str(p!["targetPort"]) == "portal");
    }

    [Fact]
    public async Task Redis_AddressAsArgAndPasswordFromTheNamedSecret()
    {
        var chart = await ChartRenderer.RenderAsync(Values("redis"));
        Assert.Equal(["--redis", "redis.shop:6379", "--redis-connect-timeout", "2s", "--redis-timeout", "1s"], chart.Args.Skip(9));
        Assert.Equal([("redis-auth", "pw")], chart.SecretRefs());
        Assert.Single(chart.Container["env"]!.AsArray(), e => RenderedChart.Str(e!["name"]) == "KONNECT_REDIS_PASSWORD" && e["value"] is null);
        Assert.DoesNotContain("password", chart.Args.Skip(1).ToList());
        Assert.DoesNotContain(chart.PodSpec["volumes"]!.AsArray(), v => RenderedChart.Str(v!["name"]) == "redis-ca");
    }

    [Fact]
    public async Task RedisTls_CaSecretMountedReadOnlyAndEverySettingAsArgsOrEnv()
    {
        var chart = await ChartRenderer.RenderAsync(Values("redisTls"));
        Assert.Equal(["--redis", "rediss://redis.shop:6380,redis-1.shop:6380", "--redis-connect-timeout", "2s", "--redis-timeout", "500ms", "--redis-database", "2",
            "--redis-tls-ca", "/etc/konnect/redis-ca/bundle.pem", "--redis-tls-server-name", "redis.shop.internal", "--redis-sentinel-service", "mymaster"], chart.Args.Skip(9));
        Assert.Equal([("redis-auth", "password"), ("sentinel-auth", "pw")], chart.SecretRefs());
        Assert.Single(chart.Container["env"]!.AsArray(), e => RenderedChart.Str(e!["name"]) == "KONNECT_REDIS_USERNAME" && RenderedChart.Str(e["value"]) == "konnect");
        var mount = chart.Container["volumeMounts"]!.AsArray().Single(m => RenderedChart.Str(m!["name"]) == "redis-ca")!;
        Assert.Equal(("/etc/konnect/redis-ca", "True"), (RenderedChart.Str(mount["mountPath"]), RenderedChart.Str(mount["readOnly"])));
        var volume = chart.PodSpec["volumes"]!.AsArray().Single(v => RenderedChart.Str(v!["name"]) == "redis-ca")!;
        Assert.Equal("""{"secretName":"redis-ca","items":[{"key":"bundle.pem","path":"bundle.pem"}]}""", volume["secret"]!.ToJsonString());
    }

    [Fact]
    public async Task RedisTls_CaFromAConfigMapAndTlsForcedOn()
    {
        var chart = await ChartRenderer.RenderAsync(Values("redisCaConfigMap"));
        Assert.Equal(["--redis", "redis.shop:6379", "--redis-connect-timeout", "2s", "--redis-timeout", "1s", "--redis-tls", "on", "--redis-tls-ca", "/etc/konnect/redis-ca/ca.crt"],
            chart.Args.Skip(9));
        var volume = chart.PodSpec["volumes"]!.AsArray().Single(v => RenderedChart.Str(v!["name"]) == "redis-ca")!;
        Assert.Equal("""{"name":"redis-ca","items":[{"key":"ca.crt","path":"ca.crt"}]}""", volume["configMap"]!.ToJsonString());
        Assert.Contains(chart.Container["volumeMounts"]!.AsArray(), m => RenderedChart.Str(m!["name"]) == "redis-ca" && RenderedChart.Str(m["readOnly"]) == "True");
    }

    [Fact]
    public async Task PdbForDaemonSetWithoutMinAvailable_FailsWithTheChartsMessage()
    {
        var (exitCode, stdout, stderr) = await ChartRenderer.RunAsync(JsonNode.Parse("""{"podDisruptionBudget": {"enabled": true}}""")!.AsObject());
        Assert.NotEqual(0, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains("poddisruptionbudget.yaml", stderr, StringComparison.Ordinal);
        Assert.Contains("a DaemonSet needs podDisruptionBudget.minAvailable (an integer)", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pdbDaemonSet", "minAvailable", 1)]
    [InlineData("pdbDeployment", "maxUnavailable", 1)]
    public async Task Pdb_SelectsTheGatewayPods(string set, string field, long value)
    {
        var chart = await ChartRenderer.RenderAsync(Values(set));
        var pdb = chart.Single("PodDisruptionBudget", ChartRenderer.ReleaseName)["spec"]!;
        Assert.Equal(value, pdb[field]!.GetValue<long>());
        Assert.Equal(2, pdb.AsObject().Count);
        Assert.Equal(RenderedChart.Labels(chart.Workload["spec"]!["selector"]!["matchLabels"]), RenderedChart.Labels(pdb["selector"]!["matchLabels"]));
    }

    [Fact]
    public async Task ExtraArgsAndEnv_AreAppendedVerbatim()
    {
        var chart = await ChartRenderer.RenderAsync(Values("extras"));
        Assert.Equal(["--access-log", "off"], chart.Args.Skip(9));
        var env = chart.Container["env"]!.AsArray().ToDictionary(e => RenderedChart.Str(e!["name"]), e => RenderedChart.Str(e!["value"]));
        Assert.Equal("on", env["KONNECT_CONSUMER_METRICS"]);
        Assert.Equal("Debug", env["Logging__LogLevel__Default"]);
    }

    [Fact]
    public async Task NodePortService_FixesNodePorts()
    {
        var chart = await ChartRenderer.RenderAsync(Values("nodePort"));
        var spec = chart.TrafficService["spec"]!;
        Assert.Equal("NodePort", RenderedChart.Str(spec["type"]));
        Assert.Equal(["30080", "30443"], spec["ports"]!.AsArray().Select(p => RenderedChart.Str(p!["nodePort"])));
        Assert.Equal("Cluster", RenderedChart.Str(spec["externalTrafficPolicy"]));
    }

    [Fact]
    public async Task NumberLikeNames_StayStrings()
    {
        var chart = await ChartRenderer.RenderAsync(Values("numberLikeNames"));
        var role = chart.Single("Role", ChartRenderer.ReleaseName)["metadata"]!["namespace"]!;
        var binding = chart.Single("RoleBinding", ChartRenderer.ReleaseName)["metadata"]!["namespace"]!;
        var secret = chart.Container["env"]!.AsArray().Select(e => e!["valueFrom"]?["secretKeyRef"]).Single(r => r is not null)!;
        JsonNode[] strings = [role, binding, chart.PodSpec["priorityClassName"]!, secret["name"]!, secret["key"]!];
        Assert.All(strings, n => Assert.Equal(System.Text.Json.JsonValueKind.String, n.GetValueKind()));
        Assert.Equal([("1234", "0")], chart.SecretRefs());
    }

    [Fact]
    public async Task SchedulingAndMetadataValues_LandWhereKubernetesReadsThem()
    {
        var chart = await ChartRenderer.RenderAsync(Values("scheduling"));
        var pod = chart.PodSpec;
        // toYaml sorts keys (as Helm's does): compare trees, not text.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"key":"edge","operator":"Exists","effect":"NoSchedule"}]"""), pod["tolerations"]), pod["tolerations"]!.ToJsonString());
        Assert.Equal("""{"role":"edge"}""", pod["nodeSelector"]!.ToJsonString());
        Assert.Equal("""{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[]}}""", pod["affinity"]!.ToJsonString());
        Assert.Equal("""[{"name":"regcred"}]""", pod["imagePullSecrets"]!.ToJsonString());
        Assert.Equal("system-cluster-critical", RenderedChart.Str(pod["priorityClassName"]));
        Assert.Equal("1", RenderedChart.Str(chart.Workload["spec"]!["template"]!["metadata"]!["annotations"]!["a.example/x"]));
        Assert.Equal("ghcr.io/konnect-dev/konnect:dev", RenderedChart.Str(chart.Container["image"]));
        Assert.Equal("Never", RenderedChart.Str(chart.Container["imagePullPolicy"]));
        Assert.Equal("gw", RenderedChart.Str(chart.Single("ServiceAccount", ChartRenderer.ReleaseName)["metadata"]!["annotations"]!["iam.example/role"]));
        Assert.Equal("true", RenderedChart.Str(chart.TrafficService["metadata"]!["annotations"]!["lb.example/internal"]));
    }

    /// <summary>
    /// The strongest check: the rendered container args and env start the real konnect binary (folder mode on a copy
    /// of samples/quickstart, the 0.0.0.0 listen addresses moved to free loopback ports) and it gets ready.
    /// </summary>
    [Theory]
    [InlineData("defaults")]
    [InlineData("extras")]
    [InlineData("watchNamespaces")]
    [InlineData("redisTls")]
    public async Task RenderedArgs_StartTheRealKonnect(string set)
    {
        var chart = await ChartRenderer.RenderAsync(Values(set));
        var args = chart.Args;
        Assert.Equal("run", args[0]);
        var admin = 0;
        var ca = Path.GetTempFileName();
        File.WriteAllText(ca, Konnect.Testing.Tls.TestCertificate.Authority("Chart Test CA").CertificatePem);
        for (var i = 1; i < args.Count; i++)
        {
            // The mounted CA bundle's path exists only in the pod: a CA file made here stands in for it.
            if (args[i - 1] == "--redis-tls-ca") { args[i] = ca; }
            var match = System.Text.RegularExpressions.Regex.Match(args[i], @"^(https?)://0\.0\.0\.0:[0-9]+$");
            if (!match.Success) { continue; }
            var port = Repo.FreePort();
            args[i] = $"{match.Groups[1].Value}://127.0.0.1:{port}";
            if (args[i - 1] == "--admin-listen") { admin = port; }
        }
        Assert.True(admin > 0, "no --admin-listen in the rendered args");
        var environment = new Dictionary<string, string>();
        foreach (var env in chart.Container["env"]!.AsArray())
        {
            var name = RenderedChart.Str(env!["name"]);
            if (env["value"] is { } value) { environment[name] = RenderedChart.Str(value); }
            else if (RenderedChart.Str(env["valueFrom"]?["fieldRef"]?["fieldPath"]) == "metadata.namespace") { environment[name] = ChartRenderer.Namespace; }
        }

        var manifests = Directory.CreateTempSubdirectory("konnect-chart-args-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "samples", "quickstart"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(manifests, Path.GetFileName(file)));
        }
        var output = new System.Text.StringBuilder();
        var konnect = Repo.StartDotnet(Repo.KonnectDll, output, environment, [.. args, "--manifests", manifests]);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Repo.EventuallyAsync(async () =>
            {
                Assert.False(konnect.HasExited, $"konnect {string.Join(' ', args)} exited:\n{output}");
                return (await http.GetAsync($"http://127.0.0.1:{admin}/readyz")).StatusCode == System.Net.HttpStatusCode.OK;
            }, $"/readyz of konnect {string.Join(' ', args)}");
            // --log-format json from the chart: the start-up log lines are JSON objects.
            lock (output) { Assert.Contains(output.ToString().Split('\n'), line => line.StartsWith("{\"", StringComparison.Ordinal)); }
        }
        finally
        {
            Repo.Stop(konnect);
            Directory.Delete(manifests, recursive: true);
            File.Delete(ca);
        }
    }

    /// <summary>Overrides over values.yaml as the renderer merges them (maps key by key, anything else replaced).</summary>
    private static void Merge(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides)
        {
            if (value is JsonObject sub && target[key] is JsonObject existing) { Merge(existing, sub); }
            else { target[key] = value?.DeepClone(); }
        }
    }
}
