namespace Konnect.Controller.Tests.Sources;

/// <summary>
/// Small manifests for the folder-source tests: a route on one path, its Service, an EndpointSlice for it, and a
/// ConfigMap holding an OpenAPI document.
/// </summary>
internal static class FolderManifests
{
    public static string Route(string name, string path) => $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: {{name}} }
        spec:
          rules:
            - matches: [{ path: { type: PathPrefix, value: {{path}} } }]
              backends: [{ service: s, port: http }]

        """;

    public static string Service(string name) => $$"""
        apiVersion: v1
        kind: Service
        metadata: { name: {{name}} }
        spec:
          ports: [{ name: http, port: 80 }]

        """;

    public static string Slice(string service, int port) => $$"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: {{service}}-1, labels: { kubernetes.io/service-name: {{service}} } }
        addressType: IPv4
        ports: [{ name: http, port: {{port}} }]
        endpoints: [{ addresses: [10.0.0.1], conditions: { ready: true } }]

        """;

    public static string OpenApiConfigMap(string name, string version) => $$"""
        apiVersion: v1
        kind: ConfigMap
        metadata: { name: {{name}} }
        data:
          openapi.yaml: "openapi: {{version}}"

        """;
}
