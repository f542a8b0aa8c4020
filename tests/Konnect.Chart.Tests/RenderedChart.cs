using System.Text.Json.Nodes;

namespace Konnect.Chart.Tests;

/// <summary>
/// The output of a render as Kubernetes objects, with the structural checks every value set must pass: what the API
/// server and the controllers would refuse or silently get wrong (a selector that matches no pod, a duplicate name).
/// </summary>
internal sealed class RenderedChart
{
    public RenderedChart(string yaml)
    {
        Yaml = yaml;
        Objects = [.. ChartFiles.YamlToJson(yaml).Select((doc, i) => doc as JsonObject ?? throw new InvalidOperationException($"document {i} is not a mapping:\n{yaml}"))];
    }

    public string Yaml { get; }

    public IReadOnlyList<JsonObject> Objects { get; }

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => Str(o["kind"]) == kind);

    public JsonObject Single(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => Name(o) == name) ?? throw new InvalidOperationException($"no {kind} {name} in:\n{Yaml}");

    public JsonObject Workload => Objects.Single(o => Str(o["kind"]) is "DaemonSet" or "Deployment");

    public JsonObject PodSpec => Workload["spec"]!["template"]!["spec"]!.AsObject();

    public JsonObject Container => PodSpec["containers"]!.AsArray().Single()!.AsObject();

    public List<string> Args => [.. Container["args"]!.AsArray().Select(a => Str(a))];

    /// <summary>The traffic Service: the one named after the release (the admin Service has its own name).</summary>
    public JsonObject TrafficService => Single("Service", ChartRenderer.ReleaseName);

    public static string Name(JsonNode? o) => Str(o?["metadata"]?["name"]);

    public static string Str(JsonNode? node) => node?.GetValue<object>().ToString() ?? "";

    /// <summary>Every check that holds whatever the values; a list of problems, empty when the output is sound.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        foreach (var o in Objects)
        {
            if (Str(o["apiVersion"]) == "" || Str(o["kind"]) == "" || Name(o) == "") { problems.Add($"object without apiVersion/kind/metadata.name: {o.ToJsonString()}"); }
        }
        // Names are unique per kind and namespace (a Role "konnect" in each watched namespace is fine).
        problems.AddRange(Objects.GroupBy(o => $"{Str(o["kind"])} {Str(o["metadata"]?["namespace"])}/{Name(o)}").Where(g => g.Count() > 1).Select(g => $"duplicate {g.Key}"));

        var podLabels = Labels(Workload["spec"]!["template"]!["metadata"]!["labels"]);
        if (!IsSubset(Labels(Workload["spec"]!["selector"]!["matchLabels"]), podLabels)) { problems.Add("workload selector does not match its pod template labels"); }
        foreach (var service in OfKind("Service"))
        {
            if (!IsSubset(Labels(service["spec"]!["selector"]), podLabels)) { problems.Add($"Service {Name(service)} selects no gateway pod"); }
            var targets = service["spec"]!["ports"]!.AsArray().Select(p => Str(p!["targetPort"])).ToList();
            var named = Container["ports"]!.AsArray().Select(p => Str(p!["name"])).ToList();
            problems.AddRange(targets.Except(named).Select(t => $"Service {Name(service)} targets port {t}, which the container does not name"));
        }
        var traffic = TrafficService["spec"]!["ports"]!.AsArray().Select(p => $"{Str(p!["name"])}:{Str(p["port"])}->{Str(p["targetPort"])}").ToList();
        if (!traffic.SequenceEqual(["http:80->http", "https:443->https"])) { problems.Add($"traffic Service ports are {string.Join(", ", traffic)}"); }
        foreach (var monitor in OfKind("ServiceMonitor"))
        {
            var selected = OfKind("Service").Where(s => IsSubset(Labels(monitor["spec"]!["selector"]!["matchLabels"]), Labels(s["metadata"]!["labels"]))).Select(Name).ToList();
            if (!selected.SequenceEqual([$"{ChartRenderer.ReleaseName}-admin"])) { problems.Add($"ServiceMonitor selects [{string.Join(", ", selected)}], not the admin Service"); }
        }

        // The address Ingresses publish is the traffic Service's own, in the release namespace.
        var publish = Container["env"]!.AsArray().Where(e => Str(e!["name"]) == "KONNECT_PUBLISH_SERVICE").Select(e => Str(e!["value"])).SingleOrDefault();
        if (publish != $"{ChartRenderer.Namespace}/{Name(TrafficService)}") { problems.Add($"KONNECT_PUBLISH_SERVICE is {publish ?? "unset"}, not the traffic Service"); }
        foreach (var ingressClass in OfKind("IngressClass"))
        {
            if (ingressClass["metadata"]?["namespace"] is not null || Str(ingressClass["spec"]?["controller"]) != "konnect.dev/ingress-controller")
            {
                problems.Add($"IngressClass {Name(ingressClass)} must be cluster-scoped with spec.controller konnect.dev/ingress-controller");
            }
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
        {
            if (Str(Container[probe]?["httpGet"]?["port"]) != "admin") { problems.Add($"{probe} is not on the admin port"); }
        }
        problems.AddRange(SecurityProblems());
        return problems;
    }

    /// <summary>README: uid 65532, read-only root, no privilege escalation, every capability dropped
    /// (NET_BIND_SERVICE only for a port below 1024), RuntimeDefault seccomp.</summary>
    private IEnumerable<string> SecurityProblems()
    {
        var context = Container["securityContext"]!;
        var lowPort = Container["ports"]!.AsArray().Any(p => p!["containerPort"]!.GetValue<long>() < 1024);
        var expected = new Dictionary<string, string>
        {
            ["runAsNonRoot"] = "True", ["runAsUser"] = "65532", ["runAsGroup"] = "65532", ["readOnlyRootFilesystem"] = "True",
            ["allowPrivilegeEscalation"] = "False", ["seccompProfile"] = """{"type":"RuntimeDefault"}""",
            ["capabilities"] = lowPort ? """{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}""" : """{"drop":["ALL"]}""",
        };
        foreach (var (key, value) in expected)
        {
            var actual = context[key] is JsonValue v ? Str(v) : context[key]?.ToJsonString();
            if (actual != value) { yield return $"container securityContext.{key} is {actual ?? "unset"}, not {value}"; }
        }
    }

    /// <summary>Every env secretKeyRef as (name, key).</summary>
    public List<(string Name, string Key)> SecretRefs() =>
        [.. Container["env"]!.AsArray().Select(e => e!["valueFrom"]?["secretKeyRef"]).Where(r => r is not null).Select(r => (Str(r!["name"]), Str(r["key"])))];

    public static Dictionary<string, string> Labels(JsonNode? node) =>
        node?.AsObject().ToDictionary(p => p.Key, p => Str(p.Value)) ?? [];

    private static bool IsSubset(Dictionary<string, string> subset, Dictionary<string, string> of) =>
        subset.Count > 0 && subset.All(p => of.TryGetValue(p.Key, out var v) && v == p.Value);
}
