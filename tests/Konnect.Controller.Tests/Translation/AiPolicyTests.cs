using Konnect.Api.Kubernetes;
using Konnect.Controller.Sources;
using Konnect.Controller.Translation;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation;

/// <summary>The ai block from YAML to the model: defaults, keys from Secrets (never shown), and every refusal naming its field.</summary>
public sealed class AiPolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-ai-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Secret = """
        apiVersion: v1
        kind: Secret
        metadata: { name: openai, namespace: ai }
        stringData: { api-key: "sk-one\n", second: "sk-two" }
        """;

    private TranslationResult Translate(string ai, string? secret = Secret)
    {
        var path = Path.Combine(_dir, "ai.yaml");
        File.WriteAllText(path, $$"""
            {{secret ?? ""}}
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: llm, namespace: ai }
            spec:
              ai:
            {{string.Join("\n", ai.Split('\n').Select(l => "    " + l))}}
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: llm, namespace: ai }
            spec:
              policies: [llm]
              rules: [{ matches: [{ path: { value: /ai } }] }]
            """);
        var snapshot = ManifestSource.LoadPaths([path]);
        Assert.Empty(snapshot.Problems);
        return Translator.Translate(snapshot);
    }

    private static Condition Condition(TranslationResult result, string kind, string type) =>
        result.Statuses.Single(s => s.Object.Kind == kind).Conditions.Single(c => c.Type == type);

    [Fact]
    public void Translate_ValidBlock_DefaultsFilledAndKeysReadButNeverSerialised()
    {
        var result = Translate("""
            providers:
              - { name: openai, type: OpenAI, secretName: openai, secretKeys: [api-key, second] }
            models:
              - { name: fast, targets: [{ provider: openai, model: gpt-4o-mini }] }
              - { name: gpt-4o, targets: [{ provider: openai }] }
            """);

        var rule = Assert.Single(result.Model.Routes);
        Assert.Null(rule.Unavailable);
        Assert.Empty(rule.Backends);
        var ai = rule.Policies!.Ai!;
        var provider = Assert.Single(ai.Providers);
        Assert.Equal(("https://api.openai.com/v1", TimeSpan.FromSeconds(60)), (provider.BaseUrl, provider.Timeout));
        Assert.Equal(["sk-one", "sk-two"], provider.Keys);
        Assert.Equal("gpt-4o", ai.Models[1].Targets.Single().Model);
        Assert.Equal(4096, ai.MaxTokens);
        var json = System.Text.Json.JsonSerializer.Serialize(result.Model, ModelJsonContext.Default.GatewayModel);
        Assert.DoesNotContain("sk-one", json, StringComparison.Ordinal);
        Assert.Contains(provider.KeysVersion!, json, StringComparison.Ordinal);
        Assert.Equal("True", Condition(result, "KonnectPolicy", ConditionTypes.Accepted).Status);
    }

    [Theory]
    [InlineData("models: [{ name: fast, targets: [{ provider: claude }] }]", "spec.ai.models[0].targets[0].provider: no provider named \"claude\"")]
    [InlineData("models: [{ name: fast, targets: [{ provider: openai }] }]\nquotas: [{ period: month, tokens: 10 }]", "spec.ai.quotas[0].period: a token quota counts per minute, hour or day")]
    [InlineData("models: [{ name: fast, targets: [{ provider: openai }] }]\nprices: [{ model: x, input: \"cheap\", output: \"1\" }]", "spec.ai.prices[0].input: \"cheap\" is not an amount")]
    [InlineData("models: [{ name: fast, targets: [{ provider: openai }] }]\nguard: { deny: [{ name: back, pattern: \"(a)\\\\1\" }] }", "spec.ai.guard.deny[0].pattern: not a regular expression Konnect can run without backtracking")]
    [InlineData("models: [{ name: fast, targets: [{ provider: openai }] }]\nprompt: { model: fast, messages: [{ role: user, content: \"{{text}}\" }] }", "spec.ai.prompt.messages[0].content: {{text}} is not declared")]
    [InlineData("models: [{ name: fast, targets: [{ provider: openai }] }]\nprompt: { model: slow, messages: [{ role: user, content: hi }] }", "spec.ai.prompt.model: \"slow\" is not one of spec.ai.models")]
    public void Translate_InvalidBlock_RejectedNamingTheField(string rest, string message)
    {
        var result = Translate("providers: [{ name: openai, type: OpenAI, secretName: openai }]\n" + rest);

        var accepted = Condition(result, "KonnectPolicy", ConditionTypes.Accepted);
        Assert.Equal(("False", Reasons.InvalidSpec), (accepted.Status, accepted.Reason));
        Assert.Contains(message, accepted.Message, StringComparison.Ordinal);
        Assert.Equal(Reasons.PolicyNotAccepted, Assert.Single(result.Model.Routes).Unavailable?.Reason);
    }

    [Theory]
    [InlineData(null, Reasons.SecretNotFound, "Secret ai/openai not found")]
    [InlineData("apiVersion: v1\nkind: Secret\nmetadata: { name: openai, namespace: ai }\nstringData: { other: x }", Reasons.SecretKeyNotFound, "has no (non-empty) key api-key")]
    public void Translate_ProviderKeyMissing_ResolvedRefsFalseAndRuleAnswers503(string? secret, string reason, string message)
    {
        var result = Translate("""
            providers: [{ name: openai, type: OpenAI, secretName: openai }]
            models: [{ name: fast, targets: [{ provider: openai }] }]
            """, secret);

        var resolved = Condition(result, "KonnectPolicy", ConditionTypes.ResolvedRefs);
        Assert.Equal(("False", reason), (resolved.Status, resolved.Reason));
        Assert.Contains("spec.ai.providers[0] (openai)", resolved.Message, StringComparison.Ordinal);
        Assert.Contains(message, resolved.Message, StringComparison.Ordinal);
        Assert.Equal(Reasons.PolicyNotResolved, Assert.Single(result.Model.Routes).Unavailable?.Reason);
    }

    [Fact]
    public void Translate_RuleWithoutBackendsOrAi_UnavailableSayingWhy()
    {
        var path = Path.Combine(_dir, "plain.yaml");
        File.WriteAllText(path, """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: empty, namespace: ai }
            spec: { rules: [{ matches: [{ path: { value: /x } }] }] }
            """);

        var result = Translator.Translate(ManifestSource.LoadPaths([path]));

        Assert.Equal("rule 0: no backends, and its policies set no ai block", Assert.Single(result.Model.Routes).Unavailable?.Message);
    }
}
