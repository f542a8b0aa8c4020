using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Tests.Sources;

public class ManifestReaderTests
{
    private const string AllKinds = """
        # leading comment
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: orders, namespace: shop }
        spec:
          hosts: [api.example.com]
          rules:
            - backends: [{ service: orders, port: 8080, weight: 90 }, { service: orders-v2, port: http }]
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: { name: standard, namespace: shop }
        spec:
          rateLimit: { limits: [{ requests: 100, period: 1m }] }
        ---
        apiVersion: konnect.dev/v1alpha1
        metadata: { name: acme, namespace: shop }
        kind: KonnectConsumer
        spec: { groups: [gold] }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: orders, namespace: shop }
        spec:
          ports: [{ name: http, port: 80, targetPort: 8080 }]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: orders-abc
          namespace: shop
          labels: { kubernetes.io/service-name: orders }
        addressType: IPv4
        endpoints: [{ addresses: [10.0.0.1], conditions: { ready: true } }]
        ports: [{ name: http, port: 8080 }]
        ---
        apiVersion: v1
        kind: Secret
        metadata: { name: acme-key, namespace: shop }
        stringData: { key: not-so-secret }
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: { name: orders-openapi, namespace: shop }
        data: { openapi.yaml: "openapi: 3.1.0" }
        """;

    [Fact]
    public void Read_MultiDocumentWithAllKinds_DecodesEachWithItsKindLine()
    {
        var file = ManifestReader.Read("all.yaml", AllKinds);

        Assert.True(file.IsWellFormed);
        Assert.Empty(file.Problems);
        Assert.Empty(file.Invalid);
        var lines = file.Objects.ToDictionary(o => o.Ref.Kind, o => o.Location.Line);
        Assert.Equal(new Dictionary<string, int>
        {
            ["KonnectRoute"] = 3, ["KonnectPolicy"] = 11, ["KonnectConsumer"] = 18, ["Service"] = 22,
            ["EndpointSlice"] = 28, ["Secret"] = 38, ["ConfigMap"] = 43,
        }, lines);
        Assert.All(file.Objects, o => Assert.Equal("all.yaml", o.Location.File));

        var route = Assert.IsType<KonnectRoute>(file.Objects[0].Object);
        Assert.Equal(new ObjectRef("KonnectRoute", "shop", "orders"), file.Objects[0].Ref);
        Assert.Equal(90, route.Spec.Rules[0].Backends![0].Weight);
        var slice = file.Objects.Select(o => o.Object).OfType<EndpointSlice>().Single();
        Assert.Equal("orders", slice.Metadata.Labels![EndpointSlice.ServiceNameLabel]);
        Assert.True(slice.Endpoints![0].Conditions!.Ready);
    }

    [Fact]
    public void Read_PortAsNumberOrName_DecodesIntOrString()
    {
        var route = ReadOne<KonnectRoute>(ManifestReader.Read("r.yaml", AllKinds));

        Assert.Equal(8080, route.Spec.Rules[0].Backends![0].Port!.Value.Number);
        Assert.Equal("http", route.Spec.Rules[0].Backends![1].Port!.Value.Name);
    }

    [Fact]
    public void Read_QuotedNumber_StaysAString()
    {
        var file = ManifestReader.Read("q.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: { name: s, labels: { quoted: "8080", single: '42', flag: "true" } }
            stringData: { port: "8080" }
            ---
            apiVersion: v1
            kind: Secret
            metadata: { name: t }
            stringData: { port: 8080 }
            """);

        var secret = ReadOne<Secret>(file);
        Assert.Equal("8080", secret.Metadata.Labels!["quoted"]);
        Assert.Equal("42", secret.Metadata.Labels["single"]);
        Assert.Equal("true", secret.Metadata.Labels["flag"]);
        Assert.Equal("8080", secret.StringData!["port"]);
        // A plain 8080 is a number, and a Secret's stringData holds strings, as on the API server.
        var invalid = Assert.Single(file.Invalid);
        Assert.Equal(new ObjectRef("Secret", "default", "t"), invalid.Ref);
        Assert.Contains("stringData.port: expected a string, got a number", invalid.Invalid.Message);
    }

    [Fact]
    public void Read_SecretData_DecodesBase64AndKeepsStringData()
    {
        var secret = ReadOne<Secret>(ManifestReader.Read("s.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: { name: creds }
            data: { password: aHVudGVyMg== }
            stringData: { user: admin }
            """));

        Assert.Equal("hunter2"u8.ToArray(), secret.Data!["password"]);
        Assert.Equal("admin", secret.StringData!["user"]);
    }

    [Fact]
    public void Read_ConfigMap_DecodesDataAndBinaryDataWithoutALabel()
    {
        var file = ManifestReader.Read("c.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: orders-openapi, namespace: shop }
            data:
              openapi.yaml: |
                openapi: 3.1.0
                info: { title: Orders, version: "1" }
            binaryData: { openapi.json: eyJvcGVuYXBpIjoiMy4xLjAifQ== }
            """);

        Assert.Empty(file.Problems);
        var item = Assert.Single(file.Objects);
        Assert.Equal(new ObjectRef("ConfigMap", "shop", "orders-openapi"), item.Ref);
        var configMap = Assert.IsType<ConfigMap>(item.Object);
        Assert.Null(configMap.Metadata.Labels); // folder mode reads every ConfigMap, labelled or not
        Assert.Equal("openapi: 3.1.0\ninfo: { title: Orders, version: \"1\" }\n", configMap.GetText("openapi.yaml"));
        Assert.Equal("""{"openapi":"3.1.0"}""", configMap.GetText("openapi.json"));
        Assert.Null(configMap.GetText("missing"));
    }

    [Fact]
    public void Read_ConfigMapDataNotAString_InvalidWithTheField()
    {
        var file = ManifestReader.Read("c.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: orders-openapi }
            data:
              openapi.yaml: { openapi: 3.1.0 }
            """);

        Assert.Empty(file.Objects);
        var invalid = Assert.Single(file.Invalid);
        Assert.Equal(new ObjectRef("ConfigMap", "default", "orders-openapi"), invalid.Ref);
        Assert.Equal("InvalidSpec", invalid.Invalid.Reason);
        Assert.Equal("data['openapi.yaml']: expected a string, got a mapping", invalid.Invalid.Message);
    }

    [Fact]
    public void Read_SecretWithBadBase64_InvalidWithoutTheValue()
    {
        var file = ManifestReader.Read("s.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: { name: creds }
            data: { password: "sup3r$ecret!!" }
            """);

        var invalid = Assert.Single(file.Invalid).Invalid;
        Assert.Equal("InvalidSpec", invalid.Reason);
        Assert.Contains("data.password", invalid.Message);
        Assert.Contains("base64", invalid.Message);
        Assert.DoesNotContain("sup3r", invalid.Message);
        Assert.Empty(file.Objects);
    }

    [Fact]
    public void Read_NamesTheApiServerRefuses_ProblemsShowingTheValueShortAndEscaped()
    {
        var huge = new string('A', 1_000_000);
        var file = ManifestReader.Read("n.yaml", $$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: "{{huge}}" }
            spec: { rules: [{ backends: [{ url: "http://a:80" }] }] }
            ---
            apiVersion: v1
            kind: Secret
            metadata: { name: "key\u001b[31m" }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: orders.v1 }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: "orders\n" }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: p, namespace: Shop_1 }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: orders, namespace: shop }
            """);

        Assert.Equal(new ObjectRef("Service", "shop", "orders"), Assert.Single(file.Objects).Ref);
        Assert.Empty(file.Invalid);
        Assert.Equal(
            [
                $"n.yaml:2: KonnectRoute \"{new string('A', 40)}...\": metadata.name is not an object name: at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
                "n.yaml:7: Secret \"key\\u001b[31m\": metadata.name is not an object name: at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
                "n.yaml:11: Service \"orders.v1\": metadata.name is not a Service name: at most 63 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
                "n.yaml:15: Service \"orders\\u000a\": metadata.name is not a Service name: at most 63 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
                "n.yaml:19: KonnectPolicy p: metadata.namespace \"Shop_1\" is not a namespace name: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
            ],
            file.Problems.Select(p => p.Message));
    }

    [Fact]
    public void Read_UnknownFieldsUnderSpec_NotedWithSuggestionsAndStillServed()
    {
        var file = ManifestReader.Read("u.yaml", """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders }
            spec:
              Hosts: [a.example.com]
              rules:
                - matches: [{ path: { value: /orders, tpye: Exact } }]
                  timout: 10s
                  backends: [{ url: "http://a:80", x-team: payments }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: p }
            spec:
              requestTransform: { jsonBody: { set: [{ path: a.b, value: { anything: [goes, here] } }] } }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: orders }
            spec: { type: ClusterIP, selector: { app: orders }, ports: [{ port: 80 }] }
            """);

        Assert.Equal(3, file.Objects.Length);
        var note = Assert.Single(file.Problems);
        Assert.True(note.IsWarning);
        Assert.Equal("u.yaml:2: KonnectRoute default/orders: \"spec.Hosts\" (did you mean hosts?), \"spec.rules[0].matches[0].path.tpye\" "
            + "(did you mean type?), \"spec.rules[0].timout\" (did you mean timeout?) and 1 more are not fields Konnect knows; ignored", note.Message);
    }

    [Fact]
    public void Read_WrongTypedField_InvalidObjectWhileOtherDocumentsLoad()
    {
        var file = ManifestReader.Read("w.yaml", """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: bad }
            spec:
              rules: [{ backends: [{ service: orders, port: 80, weight: abc }] }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: list-port }
            spec:
              rules: [{ backends: [{ service: orders, port: [1] }] }]
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: orders }
            """);

        Assert.Equal(new ObjectRef("Service", "default", "orders"), Assert.Single(file.Objects).Ref);
        Assert.Equal(2, file.Invalid.Length);
        Assert.Equal("spec.rules[0].backends[0].weight: expected a whole number, got \"abc\"", file.Invalid[0].Invalid.Message);
        Assert.Equal(2, file.Invalid[0].Location.Line);
        Assert.Equal("spec.rules[0].backends[0].port: expected a port number or name, got a list", file.Invalid[1].Invalid.Message);
        Assert.DoesNotContain("System.", file.Invalid[0].Invalid.Message);
    }

    [Fact]
    public void Read_UnknownEnumValue_NamesTheChoices()
    {
        var file = ManifestReader.Read("e.yaml", """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: r }
            spec:
              rules: [{ matches: [{ path: { type: Prefix, value: / } }], backends: [{ url: "http://x" }] }]
            """);

        Assert.Contains("spec.rules[0].matches[0].path.type: expected one of Exact, PathPrefix, RegularExpression", Assert.Single(file.Invalid).Invalid.Message);
    }

    [Fact]
    public void Read_JsonFile_DecodesSingleObject()
    {
        var file = ManifestReader.Read("svc.json", "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Service\",\n\t\"metadata\": {\"name\": \"orders\", \"namespace\": \"shop\"},\n\t\"spec\": {\"ports\": [{\"port\": 80, \"targetPort\": \"http\"}]}\n}\n");

        var service = ReadOne<Service>(file);
        Assert.Equal(80, service.Spec.Ports![0].Port);
        Assert.Equal("http", service.Spec.Ports[0].TargetPort!.Value.Name);
        Assert.Equal(3, file.Objects[0].Location.Line);
    }

    [Fact]
    public void Read_JsonList_DecodesEveryItemWithItsLine()
    {
        var file = ManifestReader.Read("list.json", """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}},
              {"apiVersion": "v1",
               "kind": "Service", "metadata": {"name": "b"}}
            ]}
            """);

        Assert.Equal(["a", "b"], file.Objects.Select(o => o.Ref.Name));
        Assert.Equal([2, 4], file.Objects.Select(o => o.Location.Line));
    }

    [Fact]
    public void Read_YamlListAndTypedList_DecodesItems()
    {
        var file = ManifestReader.Read("list.yaml", """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Service
                metadata: { name: a }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectConsumerList
            items:
              - metadata: { name: acme, namespace: shop }
            """);

        Assert.Empty(file.Problems);
        Assert.Equal([new ObjectRef("Service", "default", "a"), new ObjectRef("KonnectConsumer", "shop", "acme")], file.Objects.Select(o => o.Ref));
        Assert.Equal(5, file.Objects[0].Location.Line);
    }

    [Fact]
    public void Read_UnsupportedKind_ProblemNotFatal()
    {
        var file = ManifestReader.Read("d.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: web }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: web }
            """);

        var problem = Assert.Single(file.Problems);
        Assert.StartsWith("d.yaml:2: ignored kind Deployment (apiVersion apps/v1); Konnect reads", problem.Message);
        Assert.True(problem.IsWarning);
        Assert.Single(file.Objects);
    }

    [Fact]
    public void Read_GatewayApiV1Beta1_ReadAsV1()
    {
        var file = ManifestReader.Read("beta.yaml", """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: Gateway
            metadata: { name: shop, namespace: infra }
            spec: { gatewayClassName: konnect, listeners: [{ name: http, port: 80, protocol: HTTP }] }
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: HTTPRoute
            metadata: { name: orders, namespace: infra }
            spec: { parentRefs: [{ name: shop }], rules: [{ backendRefs: [{ name: orders, port: 80 }] }] }
            """);

        Assert.Empty(file.Problems);
        Assert.Equal(["Gateway", "HTTPRoute"], file.Objects.Select(o => o.Ref.Kind));
    }

    [Fact]
    public void Read_MissingKindOrName_Problems()
    {
        var file = ManifestReader.Read("m.yaml", "metadata: { name: x }\n---\napiVersion: v1\nkind: Service\nmetadata: { namespace: a }\n---\n- just a list\n");

        Assert.Equal(3, file.Problems.Length);
        Assert.Contains("no apiVersion or kind", file.Problems[0].Message);
        Assert.Contains("Service has no metadata.name", file.Problems[1].Message);
        Assert.Contains("must be a mapping", file.Problems[2].Message);
    }

    [Fact]
    public void Read_NoNamespace_DefaultsToDefault()
    {
        var service = ReadOne<Service>(ManifestReader.Read("n.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n"));

        Assert.Equal("default", service.Metadata.Namespace);
    }

    [Fact]
    public void Read_EmptyDocumentsAndEmptyValues_Ignored()
    {
        var file = ManifestReader.Read("e.yaml", "---\n# nothing\n---\napiVersion: v1\nkind: Service\nmetadata: { name: x }\nspec:\n---\n");

        Assert.Empty(file.Problems);
        Assert.Equal("x", ReadOne<Service>(file).Metadata.Name);
    }

    [Fact]
    public void Read_OmittedFields_KeepApiDefaults()
    {
        var route = ReadOne<KonnectRoute>(ManifestReader.Read("d.yaml", """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: r }
            spec:
              rules: [{ backends: [{ service: a, port: 80 }] }]
            """));

        Assert.Equal(1, route.Spec.Rules[0].Backends![0].Weight);
        Assert.NotNull(ReadOne<Service>(ManifestReader.Read("s.yaml", "apiVersion: v1\nkind: Service\nmetadata: { name: x }\nspec:\n")).Spec);
    }

    private static T ReadOne<T>(ManifestFile file) => Assert.IsType<T>(file.Objects.Select(o => o.Object).OfType<T>().First());
}
