using Konnect.Gateway.Errors;

namespace Konnect.Gateway.Ai.Relay;

/// <summary>The API a client called, which fixes the shape of everything it gets back (answers, events, errors).</summary>
internal enum AiFront { OpenAIChat, OpenAIEmbeddings, AnthropicMessages, Prompt }

internal static class AiFronts
{
    public static AiApi Api(this AiFront front) => front switch { AiFront.AnthropicMessages => AiApi.Anthropic, AiFront.Prompt => AiApi.None, _ => AiApi.OpenAI };
}
