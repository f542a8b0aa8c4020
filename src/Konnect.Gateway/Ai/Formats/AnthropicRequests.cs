using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.AnthropicJson;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>
/// The Anthropic Messages API in and out of the hub format (OpenAI Chat Completions). A request or message the
/// translation cannot express faithfully throws <see cref="FormatException"/> naming the field, so the caller answers 400
/// instead of sending a different question than the client asked.
/// </summary>
internal static partial class AnthropicMessages
{
    /// <summary>A client's Anthropic Messages request as an OpenAI chat request.</summary>
    public static JsonObject ToChatRequest(JsonObject messagesRequest)
    {
        var chat = new JsonObject();
        CopyIfPresent(messagesRequest, "model", chat);

        var messages = new JsonArray();
        if (SystemText(messagesRequest["system"]) is { Length: > 0 } system)
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        if (messagesRequest["messages"] is not JsonArray list)
            throw new FormatException("messages must be an array.");
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject message)
                throw new FormatException($"messages[{i}] must be an object.");
            switch (String(message, "role"))
            {
                case "user": AddUserToChat(message, i, messages); break;
                case "assistant": messages.Add(AssistantToChat(message, i)); break;
                default: throw new FormatException($"messages[{i}].role must be user or assistant.");
            }
        }
        chat["messages"] = messages;

        // max_completion_tokens, not the deprecated max_tokens: OpenAI's reasoning models refuse the latter.
        CopyIfPresent(messagesRequest, "max_tokens", chat, "max_completion_tokens");
        CopyIfPresent(messagesRequest, "temperature", chat);
        CopyIfPresent(messagesRequest, "top_p", chat);
        CopyIfPresent(messagesRequest, "stop_sequences", chat, "stop");
        if (Bool(messagesRequest, "stream") == true)
        {
            chat["stream"] = true;
            // The Anthropic stream ends with usage in message_delta; an OpenAI stream reports it only when asked.
            chat["stream_options"] = new JsonObject { ["include_usage"] = true };
        }
        if (String(messagesRequest["metadata"] as JsonObject, "user_id") is { } user)
            chat["user"] = user;

        if (messagesRequest["tools"] is JsonArray tools && tools.Count > 0)
        {
            chat["tools"] = ToolsToChat(tools);
            if (messagesRequest["tool_choice"] is JsonObject choice)
            {
                if (ToolChoiceToChat(choice) is { } chatChoice)
                    chat["tool_choice"] = chatChoice;
                if (Bool(choice, "disable_parallel_tool_use") == true)
                    chat["parallel_tool_calls"] = false;
            }
        }
        return chat;
    }

    private static string? SystemText(JsonNode? system)
    {
        if (system is null)
            return null;
        if (AsString(system) is { } text)
            return text;
        if (system is not JsonArray blocks)
            throw new FormatException("system must be a string or an array of text blocks.");
        var parts = new List<string>(blocks.Count);
        for (var i = 0; i < blocks.Count; i++)
        {
            if (blocks[i] is not JsonObject block || String(block, "type") != "text" || String(block, "text") is not { } part)
                throw new FormatException($"system[{i}] must be a text block.");
            parts.Add(part);
        }
        return string.Join("\n\n", parts);
    }

    /// <summary>
    /// One Anthropic user turn becomes OpenAI tool messages (one per tool_result, first, as OpenAI wants them right after
    /// the assistant's tool_calls) and then a user message with the rest.
    /// </summary>
    private static void AddUserToChat(JsonObject message, int i, JsonArray messages)
    {
        var content = message["content"];
        if (AsString(content) is { } text)
        {
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = text });
            return;
        }
        if (content is not JsonArray blocks)
            throw new FormatException($"messages[{i}].content must be a string or an array of content blocks.");

        var parts = new JsonArray();
        for (var j = 0; j < blocks.Count; j++)
        {
            var field = $"messages[{i}].content[{j}]";
            if (blocks[j] is not JsonObject block)
                throw new FormatException($"{field} must be an object.");
            if (String(block, "type") == "tool_result")
                messages.Add(ToolResultToChat(block, field, parts));
            else
                parts.Add(UserPartToChat(block, field));
        }
        if (parts.Count > 0 || blocks.Count == 0)
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = parts });
    }

    private static JsonObject UserPartToChat(JsonObject block, string field)
    {
        switch (String(block, "type"))
        {
            case "text":
                return new JsonObject { ["type"] = "text", ["text"] = String(block, "text") ?? throw new FormatException($"{field}.text must be a string.") };
            case "image":
                return new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = ImageUrl(block, field) } };
            case "document":
                return DocumentToChat(block, field);
            case var type:
                throw new FormatException($"{field}: content block type '{type}' has no OpenAI chat equivalent.");
        }
    }

    private static string ImageUrl(JsonObject image, string field)
    {
        var source = image["source"] as JsonObject;
        return String(source, "type") switch
        {
            "base64" => ToDataUrl(
                String(source, "media_type") ?? throw new FormatException($"{field}.source.media_type must be a string."),
                String(source, "data") ?? throw new FormatException($"{field}.source.data must be a string.")),
            "url" => String(source, "url") ?? throw new FormatException($"{field}.source.url must be a string."),
            _ => throw new FormatException($"{field}.source must be a base64 or url image source."),
        };
    }

    private static JsonObject DocumentToChat(JsonObject document, string field)
    {
        var source = document["source"] as JsonObject;
        switch (String(source, "type"))
        {
            case "text":
                return new JsonObject { ["type"] = "text", ["text"] = String(source, "data") ?? throw new FormatException($"{field}.source.data must be a string.") };
            case "base64" when String(source, "media_type") is { } mediaType && String(source, "data") is { } data:
                return new JsonObject
                {
                    ["type"] = "file",
                    ["file"] = new JsonObject { ["filename"] = String(document, "title") ?? "document.pdf", ["file_data"] = ToDataUrl(mediaType, data) },
                };
            default:
                throw new FormatException($"{field}.source: only base64 and text documents have an OpenAI chat equivalent.");
        }
    }

    /// <summary>
    /// A tool_result as an OpenAI tool message. An OpenAI tool message holds text only, so images the result carries move
    /// to the user message that follows, where the model still sees them.
    /// </summary>
    private static JsonObject ToolResultToChat(JsonObject block, string field, JsonArray userParts)
    {
        var id = String(block, "tool_use_id") ?? throw new FormatException($"{field}.tool_use_id must be a string.");
        JsonNode content;
        if (block["content"] is null)
            content = "";
        else if (AsString(block["content"]) is { } text)
            content = text;
        else if (block["content"] is JsonArray blocks)
        {
            var texts = new JsonArray();
            for (var k = 0; k < blocks.Count; k++)
            {
                var part = blocks[k] as JsonObject ?? throw new FormatException($"{field}.content[{k}] must be an object.");
                if (String(part, "type") == "text")
                    texts.Add(new JsonObject { ["type"] = "text", ["text"] = String(part, "text") ?? "" });
                else
                    userParts.Add(UserPartToChat(part, $"{field}.content[{k}]"));
            }
            content = texts;
        }
        else
            throw new FormatException($"{field}.content must be a string or an array of content blocks.");
        return new JsonObject { ["role"] = "tool", ["tool_call_id"] = id, ["content"] = content };
    }

    private static JsonObject AssistantToChat(JsonObject message, int i)
    {
        var content = message["content"];
        if (AsString(content) is { } text)
            return new JsonObject { ["role"] = "assistant", ["content"] = text };
        if (content is not JsonArray blocks)
            throw new FormatException($"messages[{i}].content must be a string or an array of content blocks.");

        var texts = new List<string>();
        var toolCalls = new JsonArray();
        for (var j = 0; j < blocks.Count; j++)
        {
            var field = $"messages[{i}].content[{j}]";
            var block = blocks[j] as JsonObject ?? throw new FormatException($"{field} must be an object.");
            switch (String(block, "type"))
            {
                case "text":
                    texts.Add(String(block, "text") ?? "");
                    break;
                case "tool_use":
                    toolCalls.Add(new JsonObject
                    {
                        ["id"] = String(block, "id") ?? throw new FormatException($"{field}.id must be a string."),
                        ["type"] = "function",
                        ["function"] = new JsonObject
                        {
                            ["name"] = String(block, "name") ?? throw new FormatException($"{field}.name must be a string."),
                            ["arguments"] = (block["input"] ?? new JsonObject()).ToJsonString(),
                        },
                    });
                    break;
                case "thinking" or "redacted_thinking":
                    // Reasoning is signed for Anthropic only; no chat model can take it back.
                    break;
                case var type:
                    throw new FormatException($"{field}: content block type '{type}' has no OpenAI chat equivalent.");
            }
        }
        var assistant = new JsonObject { ["role"] = "assistant", ["content"] = texts.Count > 0 ? string.Concat(texts) : toolCalls.Count > 0 ? null : "" };
        if (toolCalls.Count > 0)
            assistant["tool_calls"] = toolCalls;
        return assistant;
    }

    private static JsonArray ToolsToChat(JsonArray tools)
    {
        var chatTools = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i] as JsonObject ?? throw new FormatException($"tools[{i}] must be an object.");
            if (String(tool, "type") is { } type && type != "custom")
                throw new FormatException($"tools[{i}]: Anthropic server tool '{type}' has no OpenAI chat equivalent.");
            var function = new JsonObject { ["name"] = String(tool, "name") ?? throw new FormatException($"tools[{i}].name must be a string.") };
            CopyIfPresent(tool, "description", function);
            function["parameters"] = Copy(tool["input_schema"]) ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
            chatTools.Add(new JsonObject { ["type"] = "function", ["function"] = function });
        }
        return chatTools;
    }

    private static JsonNode? ToolChoiceToChat(JsonObject choice) => String(choice, "type") switch
    {
        "auto" => "auto",
        "any" => "required",
        "none" => "none",
        "tool" => new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = String(choice, "name") ?? throw new FormatException("tool_choice.name must be a string.") },
        },
        var type => throw new FormatException($"tool_choice.type '{type}' is not auto, any, tool or none."),
    };
}
