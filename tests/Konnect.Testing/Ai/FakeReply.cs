using System.Text.Json.Nodes;

namespace Konnect.Testing.Ai;

/// <summary>The wire format a <see cref="FakeAiProvider"/> speaks.</summary>
public enum AiWire { OpenAI, AzureOpenAI, Anthropic, Gemini }

/// <summary>
/// One request the fake received, recorded before it is answered (so a call that fails, or that the client abandons,
/// is still here). <paramref name="Query"/> is the raw query string with its leading '?', or "" when there is none.
/// <paramref name="Headers"/> has lower-case names (and looks names up in any case); repeated headers are joined with
/// ", ". <paramref name="Body"/> is null when the body is empty or not a JSON object.
/// </summary>
public sealed record RecordedCall(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, JsonObject? Body, bool Stream);

/// <summary>A function (tool) call the fake model makes instead of answering with text.</summary>
public sealed record FakeToolCall(string Name, string ArgumentsJson);

/// <summary>How the fake answers one call. Every setting has a default, so <c>new FakeReply()</c> is a plain success.</summary>
public sealed record FakeReply
{
    /// <summary>
    /// The text of <see cref="Default"/>, and of any reply that sets none: the fake says
    /// "Hello from the fake {wire} provider." with its own wire's name (see <see cref="Greeting"/>).
    /// </summary>
    public const string WireGreeting = "Hello from the fake {wire} provider.";

    /// <summary>The reply used when none is queued: the wire's greeting, with usage.</summary>
    public static FakeReply Default { get; } = new();

    /// <summary>The text a fake of <paramref name="wire"/> answers with when the reply's text is <see cref="WireGreeting"/>.</summary>
    public static string Greeting(AiWire wire) => WireGreeting.Replace("{wire}", wire.ToString(), StringComparison.Ordinal);

    /// <summary>The assistant's text; streamed as one delta per word, each word with the whitespace before it.</summary>
    public string Text { get; init; } = WireGreeting;

    /// <summary>A function/tool call instead of text; its arguments stream in pieces of at most 10 characters.</summary>
    public FakeToolCall? ToolCall { get; init; }

    /// <summary>Reported input tokens; by default the words of every message text plus 2 per message (system included).</summary>
    public int? InputTokens { get; init; }

    /// <summary>Reported output tokens; by default the number of streamed deltas (words, or argument pieces).</summary>
    public int? OutputTokens { get; init; }

    /// <summary>No usage at all in the answer, on every wire (a real Anthropic or Gemini always reports it).</summary>
    public bool OmitUsage { get; init; }

    /// <summary>Anything but 200 answers with the wire's own error body for that status.</summary>
    public int Status { get; init; } = 200;

    /// <summary>Sets retry-after (whole seconds, rounded up) on an error.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Wait before the response head.</summary>
    public TimeSpan FirstByteDelay { get; init; }

    /// <summary>Wait between streamed events.</summary>
    public TimeSpan EventDelay { get; init; }

    /// <summary>
    /// Abort the connection after this many streamed events (every SSE event the wire writes counts, its first one
    /// included: OpenAI's role chunk, Anthropic's message_start); 0 aborts right after the response head.
    /// </summary>
    public int? BreakAfterEvents { get; init; }

    /// <summary>The model named in the answer; by default the requested one.</summary>
    public string? Model { get; init; }
}
