using System.Text.Json;
using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.AnthropicJson;

namespace Konnect.Gateway.Ai.Formats;

internal static partial class AnthropicMessages
{
    /// <summary>
    /// An OpenAI chat request as the body Konnect sends to Anthropic. <paramref name="maxTokens"/> applies when the
    /// request sets no limit, since Anthropic requires one.
    /// </summary>
    public static JsonObject FromChatRequest(JsonObject chatRequest, string model, int maxTokens)
    {
        if (Long(chatRequest, "n") is > 1)
            throw new FormatException("n: Anthropic returns a single choice; n must be 1.");

        var body = new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = Long(chatRequest, "max_completion_tokens") ?? Long(chatRequest, "max_tokens") ?? maxTokens,
        };

        var system = new List<string>();
        var messages = new JsonArray();
        if (chatRequest["messages"] is not JsonArray list)
            throw new FormatException("messages must be an array.");
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject message)
                throw new FormatException($"messages[{i}] must be an object.");
            switch (String(message, "role"))
            {
                // Anthropic takes instructions at the top level only; their place among the turns is lost.
                case "system" or "developer":
                    system.Add(ChatText(message["content"], $"messages[{i}].content"));
                    break;
                case "user":
                    Append(messages, "user", UserFromChat(message["content"], i));
                    break;
                case "assistant":
                    if (AssistantFromChat(message, i) is { } content)
                        Append(messages, "assistant", content);
                    break;
                case "tool":
                    Append(messages, "user", new JsonArray(ToolResultFromChat(message, i)));
                    break;
                default:
                    throw new FormatException($"messages[{i}].role must be system, developer, user, assistant or tool.");
            }
        }
        if (system.Count > 0)
            body["system"] = string.Join("\n\n", system);
        body["messages"] = messages;

        CopyIfPresent(chatRequest, "temperature", body);
        CopyIfPresent(chatRequest, "top_p", body);
        switch (chatRequest["stop"])
        {
            case JsonArray stops: body["stop_sequences"] = stops.DeepClone(); break;
            case var stop when AsString(stop) is { } one: body["stop_sequences"] = new JsonArray(one); break;
        }
        if (Bool(chatRequest, "stream") == true)
            body["stream"] = true;
        if ((String(chatRequest, "user") ?? String(chatRequest, "safety_identifier")) is { } user)
            body["metadata"] = new JsonObject { ["user_id"] = user };

        if (chatRequest["tools"] is JsonArray tools && tools.Count > 0)
        {
            body["tools"] = ToolsFromChat(tools);
            var choice = chatRequest["tool_choice"] is { } chatChoice ? ToolChoiceFromChat(chatChoice) : null;
            if (Bool(chatRequest, "parallel_tool_calls") == false && String(choice, "type") != "none")
            {
                choice ??= new JsonObject { ["type"] = "auto" };
                choice["disable_parallel_tool_use"] = true;
            }
            if (choice is not null)
                body["tool_choice"] = choice;
        }
        return body;
    }

    /// <summary>
    /// Adds a turn, folding it into the previous one of the same role: Anthropic wants user and assistant turns to
    /// alternate, and OpenAI sends each tool result, and often the user's next words, as a message of its own.
    /// </summary>
    private static void Append(JsonArray messages, string role, JsonNode content)
    {
        if (messages.Count > 0 && messages[^1] is JsonObject last && String(last, "role") == role)
        {
            var merged = Blocks(last["content"]!.DeepClone());
            foreach (var block in Blocks(content))
                merged.Add(block!.DeepClone());
            last["content"] = merged;
            return;
        }
        messages.Add(new JsonObject { ["role"] = role, ["content"] = content });
    }

    private static JsonArray Blocks(JsonNode content) => content switch
    {
        JsonArray blocks => blocks,
        _ when AsString(content) is { Length: > 0 } text => new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
        _ => [],
    };

    /// <summary>The text of a system or developer message: a string or text parts.</summary>
    private static string ChatText(JsonNode? content, string field)
    {
        if (content is null)
            return "";
        if (AsString(content) is { } text)
            return text;
        if (content is not JsonArray parts)
            throw new FormatException($"{field} must be a string or an array of text parts.");
        var texts = new List<string>(parts.Count);
        for (var j = 0; j < parts.Count; j++)
        {
            if (parts[j] is not JsonObject part || String(part, "type") != "text" || String(part, "text") is not { } partText)
                throw new FormatException($"{field}[{j}] must be a text part.");
            texts.Add(partText);
        }
        return string.Join("\n\n", texts);
    }

    private static JsonNode UserFromChat(JsonNode? content, int i)
    {
        if (AsString(content) is { } text)
            return text;
        if (content is not JsonArray parts)
            throw new FormatException($"messages[{i}].content must be a string or an array of content parts.");
        var blocks = new JsonArray();
        for (var j = 0; j < parts.Count; j++)
        {
            var field = $"messages[{i}].content[{j}]";
            var part = parts[j] as JsonObject ?? throw new FormatException($"{field} must be an object.");
            blocks.Add(String(part, "type") switch
            {
                "text" => new JsonObject { ["type"] = "text", ["text"] = String(part, "text") ?? throw new FormatException($"{field}.text must be a string.") },
                "image_url" => new JsonObject
                {
                    ["type"] = "image",
                    ["source"] = ImageSource(
                        AsString(part["image_url"]) ?? String(part["image_url"] as JsonObject, "url") ?? throw new FormatException($"{field}.image_url.url must be a string."),
                        $"{field}.image_url.url"),
                },
                "file" => DocumentFromChat(part["file"] as JsonObject, field),
                var type => throw new FormatException($"{field}: content part type '{type}' has no Anthropic equivalent."),
            });
        }
        return blocks;
    }

    private static JsonObject DocumentFromChat(JsonObject? file, string field)
    {
        // A file_id names a file uploaded to OpenAI, which Anthropic cannot read.
        if (String(file, "file_data") is not { } data)
            throw new FormatException($"{field}.file: only inline file_data has an Anthropic equivalent.");
        var (mediaType, base64) = ParseDataUrl(data, $"{field}.file.file_data");
        var document = new JsonObject
        {
            ["type"] = "document",
            ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = mediaType, ["data"] = base64 },
        };
        if (String(file, "filename") is { } name)
            document["title"] = name;
        return document;
    }

    /// <summary>An assistant turn as Anthropic content, or null when it says nothing (Anthropic refuses empty turns).</summary>
    private static JsonNode? AssistantFromChat(JsonObject message, int i)
    {
        var text = message["content"] switch
        {
            null => "",
            JsonArray parts => string.Concat(parts.Select((p, j) => p is JsonObject o && String(o, "type") is "text" or "refusal"
                ? String(o, "text") ?? String(o, "refusal") ?? ""
                : throw new FormatException($"messages[{i}].content[{j}] must be a text or refusal part."))),
            var content => AsString(content) ?? throw new FormatException($"messages[{i}].content must be a string or an array of text parts."),
        };
        if (message["tool_calls"] is not JsonArray { Count: > 0 } toolCalls)
            return text.Length > 0 ? text : null;

        var blocks = new JsonArray();
        if (text.Length > 0)
            blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        for (var j = 0; j < toolCalls.Count; j++)
        {
            var field = $"messages[{i}].tool_calls[{j}]";
            var call = toolCalls[j] as JsonObject ?? throw new FormatException($"{field} must be an object.");
            var function = call["function"] as JsonObject ?? throw new FormatException($"{field}.function must be an object.");
            blocks.Add(new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = String(call, "id") ?? throw new FormatException($"{field}.id must be a string."),
                ["name"] = String(function, "name") ?? throw new FormatException($"{field}.function.name must be a string."),
                ["input"] = ToolInput(String(function, "arguments"), $"{field}.function.arguments"),
            });
        }
        return blocks;
    }

    /// <summary>Tool arguments as the object Anthropic wants; arguments that are not a JSON object are the client's error.</summary>
    internal static JsonObject ToolInput(string? arguments, string field)
    {
        if (string.IsNullOrWhiteSpace(arguments))
            return [];
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(arguments);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{field} is not valid JSON: {e.Message}", e);
        }
        return parsed as JsonObject ?? throw new FormatException($"{field} must be a JSON object.");
    }

    private static JsonObject ToolResultFromChat(JsonObject message, int i)
    {
        var id = String(message, "tool_call_id") ?? throw new FormatException($"messages[{i}].tool_call_id must be a string.");
        JsonNode content;
        if (message["content"] is JsonArray parts)
        {
            var blocks = new JsonArray();
            for (var j = 0; j < parts.Count; j++)
            {
                if (parts[j] is not JsonObject part || String(part, "type") != "text" || String(part, "text") is not { } text)
                    throw new FormatException($"messages[{i}].content[{j}] must be a text part.");
                blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
            }
            content = blocks;
        }
        else
            content = ChatText(message["content"], $"messages[{i}].content");
        return new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = id, ["content"] = content };
    }

    private static JsonArray ToolsFromChat(JsonArray tools)
    {
        var anthropicTools = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i] as JsonObject ?? throw new FormatException($"tools[{i}] must be an object.");
            if (String(tool, "type") != "function" || tool["function"] is not JsonObject function)
                throw new FormatException($"tools[{i}]: only function tools have an Anthropic equivalent.");
            var anthropicTool = new JsonObject { ["name"] = String(function, "name") ?? throw new FormatException($"tools[{i}].function.name must be a string.") };
            CopyIfPresent(function, "description", anthropicTool);
            // Anthropic requires a schema; OpenAI lets a function without parameters mean one that takes none.
            anthropicTool["input_schema"] = Copy(function["parameters"]) ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
            anthropicTools.Add(anthropicTool);
        }
        return anthropicTools;
    }

    private static JsonObject ToolChoiceFromChat(JsonNode choice) => AsString(choice) switch
    {
        "auto" => new JsonObject { ["type"] = "auto" },
        "required" => new JsonObject { ["type"] = "any" },
        "none" => new JsonObject { ["type"] = "none" },
        null when choice is JsonObject o && String(o, "type") == "function" && String(o["function"] as JsonObject, "name") is { } name =>
            new JsonObject { ["type"] = "tool", ["name"] = name },
        _ => throw new FormatException("tool_choice must be auto, required, none or {\"type\":\"function\",\"function\":{\"name\":...}}."),
    };
}
