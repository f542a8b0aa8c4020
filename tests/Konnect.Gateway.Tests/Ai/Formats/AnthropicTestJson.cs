using System.Text.Json;
using System.Text.Json.Nodes;

namespace Konnect.Gateway.Tests.Ai.Formats;

/// <summary>JSON helpers the Anthropic format tests share.</summary>
internal static class AnthropicTestJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_750_000_000);

    public static TimeProvider Clock { get; } = new FixedClock(Now);

    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>Structural equality; the node is serialized first so values built in code compare as the wire sees them.</summary>
    public static void Equal(string expected, JsonNode? actual)
    {
        var want = JsonNode.Parse(expected);
        var got = actual is null ? null : JsonNode.Parse(actual.ToJsonString());
        if (!JsonNode.DeepEquals(want, got))
            Assert.Fail($"Expected:\n{want?.ToJsonString(Indented)}\nActual:\n{got?.ToJsonString(Indented)}");
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
