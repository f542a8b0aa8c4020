using Konnect.Controller;
using Konnect.Controller.Sources;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Model;

namespace Konnect.Gateway.Tests.Ai;

/// <summary>
/// Serves manifests the way folder mode does (read, translated by the controller, published to a real gateway), so the
/// AI tests cover the ai block from YAML to the wire.
/// </summary>
internal static class AiSetup
{
    /// <summary>A Secret "keys" in namespace "ai" with each named key.</summary>
    public static string Secret(params (string Key, string Value)[] keys) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: { name: keys, namespace: ai }
        stringData: { {{string.Join(", ", keys.Select(k => $"{k.Key}: \"{k.Value}\""))}} }
        """;

    /// <summary>A policy "llm" with the given ai block (YAML under "ai:", indented by the caller as a flow or block) and a route /ai using it.</summary>
    public static string PolicyAndRoute(string aiBlock, string? authentication = null) => $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: { name: llm, namespace: ai }
        spec:
        {{(authentication is null ? "" : "  authentication: " + authentication + "\n")}}  ai:
        {{string.Join("\n", aiBlock.Split('\n').Select(l => "    " + l))}}
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: llm, namespace: ai }
        spec:
          policies: [llm]
          rules:
            - matches: [{ path: { value: /ai } }]
        """;

    public static async Task<GatewayModel> ServeAsync(TestGateway gateway, params string[] documents)
    {
        var dir = Directory.CreateTempSubdirectory("konnect-ai-");
        try
        {
            var path = Path.Combine(dir.FullName, "ai.yaml");
            await File.WriteAllTextAsync(path, string.Join("\n---\n", documents));
            var snapshot = ManifestSource.LoadPaths([path]);
            Assert.Empty(snapshot.Problems);
            var result = Translator.Translate(snapshot);
            var published = await gateway.Publisher.PublishAsync(result.Model, CancellationToken.None);
            Assert.True(published.Applied);
            return result.Model;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
