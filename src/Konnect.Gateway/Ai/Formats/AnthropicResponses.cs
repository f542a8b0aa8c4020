using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.AnthropicJson;

namespace Konnect.Gateway.Ai.Formats;

internal static partial class AnthropicMessages
{
    /// <summary>An OpenAI chat.completion (from whichever provider answered) as the message a /v1/messages client expects.</summary>
    public static JsonObject FromChatResponse(JsonObject chatCompletion)
    {
        // Anthropic has no choices: the first one is the answer (requests from the front never ask for more).
        var choice = (chatCompletion["choices"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault();
        var message = choice?["message"] as JsonObject;

        var content = new JsonArray();
        var text = message?["content"] switch
        {
            JsonArray parts => string.Concat(parts.OfType<JsonObject>().Select(p => String(p, "text") ?? "")),
            var node => AsString(node) ?? "",
        };
        if (text.Length > 0)
            content.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        if (String(message, "refusal") is { Length: > 0 } refusal)
            content.Add(new JsonObject { ["type"] = "text", ["text"] = refusal });
        if (message?["tool_calls"] is JsonArray toolCalls)
        {
            for (var j = 0; j < toolCalls.Count; j++)
            {
                var call = toolCalls[j] as JsonObject;
                var function = call?["function"] as JsonObject;
                content.Add(new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = String(call, "id") ?? "toolu_" + NewSuffix(),
                    ["name"] = String(function, "name") ?? "",
                    ["input"] = ToolInput(String(function, "arguments"), $"choices[0].message.tool_calls[{j}].function.arguments"),
                    ["caller"] = DirectCaller(),
                });
            }
        }

        return new JsonObject
        {
            ["id"] = MessageId(String(chatCompletion, "id")),
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = String(chatCompletion, "model") ?? "",
            ["content"] = content,
            ["stop_reason"] = StopReason(String(choice, "finish_reason")),
            ["stop_sequence"] = null,
            ["usage"] = AnthropicUsage(chatCompletion["usage"] as JsonObject),
        };
    }

    /// <summary>An Anthropic message (Konnect called Anthropic) as an OpenAI chat.completion.</summary>
    public static JsonObject ToChatResponse(JsonObject message, TimeProvider? time = null)
    {
        var texts = new List<string>();
        var toolCalls = new JsonArray();
        if (message["content"] is JsonArray blocks)
        {
            foreach (var block in blocks.OfType<JsonObject>())
            {
                switch (String(block, "type"))
                {
                    // Anthropic splits one answer into several text blocks around citations; the text runs on.
                    case "text":
                        texts.Add(String(block, "text") ?? "");
                        break;
                    case "tool_use":
                        toolCalls.Add(new JsonObject
                        {
                            ["id"] = String(block, "id"),
                            ["type"] = "function",
                            ["function"] = new JsonObject
                            {
                                ["name"] = String(block, "name"),
                                ["arguments"] = (block["input"] ?? new JsonObject()).ToJsonString(),
                            },
                        });
                        break;
                    default:
                        // Thinking and server tool blocks have no place in a chat.completion.
                        break;
                }
            }
        }

        var chatMessage = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = texts.Count > 0 ? string.Concat(texts) : null,
            ["refusal"] = null,
        };
        if (toolCalls.Count > 0)
            chatMessage["tool_calls"] = toolCalls;

        var completion = new JsonObject
        {
            ["id"] = ChatId(String(message, "id")),
            ["object"] = "chat.completion",
            ["created"] = UnixNow(time),
            ["model"] = String(message, "model") ?? "",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = chatMessage,
                ["logprobs"] = null,
                ["finish_reason"] = FinishReason(String(message, "stop_reason")),
            }),
        };
        if (message["usage"] is JsonObject usage)
            completion["usage"] = ChatUsage(usage);
        return completion;
    }

    /// <summary>Tokens a non-streamed Anthropic message used, or null when it reports none.</summary>
    public static TokenUsage? Usage(JsonObject message) => TokenUsageOf(message["usage"] as JsonObject);
}
