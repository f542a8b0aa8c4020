using System.Text;
using System.Text.Json;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing;
using Konnect.Testing.Ai;
using Konnect.Testing.Tracing;
using static Konnect.Gateway.Tests.Ai.AiChatTests;

namespace Konnect.Gateway.Tests.Ai;

/// <summary>An AI call's access-log line and server span carry provider, models, tokens and time to first token.</summary>
public sealed class AiObservabilityTests : IAsyncLifetime
{
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OtlpReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task StreamedCall_AccessLogAndSpan_CarryTheGenAiFigures()
    {
        await using var gateway = await TestGateway.StartAsync(configure: o => o.OtlpTracesEndpoint = _receiver.TracesUrl);
        await using var fake = await FakeAiProvider.StartAsync(AiWire.Anthropic);
        fake.Enqueue(new FakeReply { Text = "one two", InputTokens = 21, OutputTokens = 2, Model = "claude-haiku-20250101" });
        await AiSetup.ServeAsync(gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "Anthropic", fake))}}
            models: [{ name: fast, targets: [{ provider: p, model: claude-haiku }] }]
            """));

        using var response = await gateway.Traffic.PostAsync("/ai/v1/chat/completions", new StringContent(
            """{"model":"fast","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        await response.Content.ReadAsStringAsync();

        await Repo.EventuallyAsync(() => Task.FromResult(gateway.AccessLog.Lines.Any(l => l.Contains("\"ai\":", StringComparison.Ordinal))), "the AI call's access-log line");
        var ai = JsonDocument.Parse(gateway.AccessLog.Lines.Single(l => l.Contains("\"ai\":", StringComparison.Ordinal))).RootElement.GetProperty("ai");
        Assert.Equal(("p", "fast", "claude-haiku-20250101"), (ai.GetProperty("provider").GetString(), ai.GetProperty("model").GetString(), ai.GetProperty("responseModel").GetString()));
        Assert.Equal((21, 2, false), (ai.GetProperty("inputTokens").GetInt32(), ai.GetProperty("outputTokens").GetInt32(), ai.GetProperty("estimated").GetBoolean()));
        Assert.True(ai.GetProperty("timeToFirstTokenMs").GetDouble() > 0);

        var spans = await _receiver.WaitForAsync(s => s.Any(x => x.Kind == SpanKind.Server && x["gen_ai.request.model"] is not null));
        var span = spans.Single(x => x.Kind == SpanKind.Server && x["gen_ai.request.model"] is not null);
        Assert.Equal(("chat", "anthropic", "fast", "claude-haiku-20250101"), (span["gen_ai.operation.name"], span["gen_ai.provider.name"], span["gen_ai.request.model"], span["gen_ai.response.model"]));
        Assert.Equal(("21", "2"), (span["gen_ai.usage.input_tokens"], span["gen_ai.usage.output_tokens"]));
    }
}
