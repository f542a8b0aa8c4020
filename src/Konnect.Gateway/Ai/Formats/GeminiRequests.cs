using System.Text.Json;
using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.GeminiJson;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>OpenAI Chat Completions to and from the Gemini generateContent API (v1beta).</summary>
internal static partial class GeminiContents
{
    /// <summary>
    /// Gemini 3 refuses (400) a model turn whose function calls carry no thought signature. History Gemini did not sign
    /// (another provider's turns, or a client that dropped the signature) gets the value Google documents for exactly that.
    /// </summary>
    internal const string UnsignedThought = "skip_thought_signature_validator";

    /// <summary>An OpenAI chat request as a generateContent body. The model is not in it: it goes in the URL (<see cref="Path"/>).</summary>
    public static JsonObject FromChatRequest(JsonObject chatRequest, int maxTokens)
    {
        var messages = chatRequest["messages"] as JsonArray ?? throw new FormatException("messages must be an array");
        var system = new JsonArray();
        var contents = new JsonArray();
        // Gemini names the function a result answers; OpenAI names the call. Calls come before their results.
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);

        for (var i = 0; i < messages.Count; i++)
        {
            var field = $"messages[{i}]";
            var message = messages[i] as JsonObject ?? throw new FormatException($"{field} must be an object");
            var role = Str(message["role"]);
            switch (role)
            {
                case "system" or "developer":
                    var instruction = Text(message["content"], field + ".content");
                    if (instruction.Length > 0) { system.Add(new JsonObject { ["text"] = instruction }); }
                    break;
                case "user":
                    Append(contents, "user", UserParts(message["content"], field + ".content"));
                    break;
                case "assistant":
                    Append(contents, "model", AssistantParts(message, field, callNames));
                    break;
                case "tool" or "function":
                    Append(contents, "user", [ToolResult(message, field, role, callNames)]);
                    break;
                default:
                    throw new FormatException($"{field}.role '{role}' is not system, developer, user, assistant or tool");
            }
        }
        SignFunctionCalls(contents);

        var body = new JsonObject { ["contents"] = contents };
        if (system.Count > 0) { body["systemInstruction"] = new JsonObject { ["parts"] = system }; }
        if (Tools(chatRequest["tools"]) is { } tools) { body["tools"] = tools; }
        if (ToolConfig(chatRequest["tool_choice"]) is { } toolConfig) { body["toolConfig"] = toolConfig; }
        var config = GenerationConfig(chatRequest, maxTokens);
        if (config.Count > 0) { body["generationConfig"] = config; }
        return body;
    }

    /// <summary>Adds a turn, merged into the previous one when the role repeats: Gemini wants user and model to alternate.</summary>
    private static void Append(JsonArray contents, string role, List<JsonNode> parts)
    {
        // A turn with no parts is refused (400); an empty message carries nothing anyway.
        if (parts.Count == 0) { return; }
        if (contents.Count > 0 && contents[^1] is JsonObject last && Str(last["role"]) == role && last["parts"] is JsonArray existing)
        {
            foreach (var part in parts) { existing.Add(part); }
            return;
        }
        contents.Add(new JsonObject { ["role"] = role, ["parts"] = new JsonArray([.. parts]) });
    }

    private static List<JsonNode> UserParts(JsonNode? content, string field)
    {
        if (content is not JsonArray array)
        {
            var text = Text(content, field);
            return text.Length == 0 ? [] : [new JsonObject { ["text"] = text }];
        }
        var parts = new List<JsonNode>();
        for (var j = 0; j < array.Count; j++)
        {
            var path = $"{field}[{j}]";
            var part = array[j] as JsonObject ?? throw new FormatException($"{path} must be an object");
            var type = Str(part["type"]);
            switch (type)
            {
                case "text":
                    var text = Str(part["text"]) ?? throw new FormatException($"{path}.text must be a string");
                    if (text.Length > 0) { parts.Add(new JsonObject { ["text"] = text }); }
                    break;
                case "image_url":
                    var url = Str(At(part, "image_url", "url")) ?? Str(part["image_url"]) ?? throw new FormatException($"{path}.image_url.url must be a string");
                    parts.Add(Image(url, path + ".image_url.url"));
                    break;
                case "input_audio":
                    var data = Str(At(part, "input_audio", "data")) ?? throw new FormatException($"{path}.input_audio.data must be a string");
                    var format = Str(At(part, "input_audio", "format")) ?? throw new FormatException($"{path}.input_audio.format must be a string");
                    parts.Add(Inline("audio/" + format, data));
                    break;
                case "file":
                    var fileData = Str(At(part, "file", "file_data"))
                        ?? throw new FormatException($"{path}.file.file_data is required: Gemini cannot read OpenAI file ids");
                    parts.Add(fileData.StartsWith("data:", StringComparison.OrdinalIgnoreCase)
                        ? Image(fileData, path + ".file.file_data")
                        : Inline(MimeFromName(Str(At(part, "file", "filename")), "application/pdf"), fileData));
                    break;
                default:
                    throw new FormatException($"{path}.type '{type}' cannot be sent to Gemini");
            }
        }
        return parts;
    }

    /// <summary>A data: URL inlined as base64; an http(s) URL referenced for Gemini to fetch.</summary>
    private static JsonObject Image(string url, string field)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma < 0 ? "" : url[5..comma];
            if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"{field} must be a base64 data: URL");
            }
            var mime = header[..^";base64".Length];
            return Inline(mime.Length == 0 ? "image/jpeg" : mime, url[(comma + 1)..]);
        }
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return new JsonObject { ["fileData"] = new JsonObject { ["mimeType"] = MimeFromName(uri.AbsolutePath, "image/jpeg"), ["fileUri"] = url } };
        }
        throw new FormatException($"{field} must be an http(s) or data: URL");
    }

    private static JsonObject Inline(string mimeType, string base64) =>
        new() { ["inlineData"] = new JsonObject { ["mimeType"] = mimeType, ["data"] = base64 } };

    private static string MimeFromName(string? name, string fallback) =>
        System.IO.Path.GetExtension(name ?? "").ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".webp" => "image/webp",
            ".gif" => "image/gif",
            ".heic" => "image/heic",
            ".heif" => "image/heif",
            ".pdf" => "application/pdf",
            ".txt" => "text/plain",
            _ => fallback,
        };

    private static List<JsonNode> AssistantParts(JsonObject message, string field, Dictionary<string, string> callNames)
    {
        var parts = new List<JsonNode>();
        var text = Text(message["content"], field + ".content");
        if (text.Length > 0) { parts.Add(new JsonObject { ["text"] = text }); }
        if (message["tool_calls"] is not JsonArray calls) { return parts; }

        for (var k = 0; k < calls.Count; k++)
        {
            var path = $"{field}.tool_calls[{k}]";
            var call = calls[k] as JsonObject ?? throw new FormatException($"{path} must be an object");
            var name = Str(At(call, "function", "name")) ?? throw new FormatException($"{path}.function.name must be a string");
            if (Str(call["id"]) is { } id) { callNames[id] = name; }
            var part = new JsonObject
            {
                ["functionCall"] = new JsonObject { ["name"] = name, ["args"] = Arguments(Str(At(call, "function", "arguments")), path + ".function.arguments") },
            };
            // Google's OpenAI-compatible endpoint carries the signature here, and ToChatResponse puts it here too.
            if (Str(At(call, "extra_content", "google", "thought_signature")) is { } signature) { part["thoughtSignature"] = signature; }
            parts.Add(part);
        }
        return parts;
    }

    /// <summary>OpenAI arguments are a JSON string; Gemini args are an object.</summary>
    private static JsonObject Arguments(string? arguments, string field)
    {
        if (string.IsNullOrWhiteSpace(arguments)) { return new JsonObject(); }
        try
        {
            return JsonNode.Parse(arguments) as JsonObject ?? throw new FormatException($"{field} must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{field} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static JsonObject ToolResult(JsonObject message, string field, string role, Dictionary<string, string> callNames)
    {
        var callId = Str(message["tool_call_id"]);
        var name = (callId is not null && callNames.TryGetValue(callId, out var called) ? called : null)
            ?? Str(message["name"])
            ?? throw new FormatException(role == "tool"
                ? $"{field}.tool_call_id does not name an earlier assistant tool call"
                : $"{field}.name must be a string");
        var output = Text(message["content"], field + ".content");
        // Gemini wants an object: a JSON object result is passed as is, anything else is wrapped.
        JsonObject? response = null;
        if (output.TrimStart().StartsWith('{'))
        {
            try { response = JsonNode.Parse(output) as JsonObject; }
            catch (JsonException) { response = null; }
        }
        response ??= new JsonObject { ["content"] = output };
        return new JsonObject { ["functionResponse"] = new JsonObject { ["name"] = name, ["response"] = response } };
    }

    /// <summary>Gives the first function call of each model turn the documented stand-in signature when it has none.</summary>
    private static void SignFunctionCalls(JsonArray contents)
    {
        foreach (var content in contents)
        {
            if (Str(At(content, "role")) != "model" || At(content, "parts") is not JsonArray parts) { continue; }
            var calls = parts.OfType<JsonObject>().Where(p => p["functionCall"] is not null).ToList();
            if (calls.Count > 0 && calls.All(p => p["thoughtSignature"] is null)) { calls[0]["thoughtSignature"] = UnsignedThought; }
        }
    }

    private static JsonArray? Tools(JsonNode? node)
    {
        if (node is null) { return null; }
        var tools = node as JsonArray ?? throw new FormatException("tools must be an array");
        var declarations = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i] as JsonObject ?? throw new FormatException($"tools[{i}] must be an object");
            if (Str(tool["type"]) != "function") { throw new FormatException($"tools[{i}].type '{Str(tool["type"])}' cannot be sent to Gemini: only function tools"); }
            var function = tool["function"] as JsonObject ?? throw new FormatException($"tools[{i}].function must be an object");
            var declaration = new JsonObject { ["name"] = Str(function["name"]) ?? throw new FormatException($"tools[{i}].function.name must be a string") };
            if (Str(function["description"]) is { } description) { declaration["description"] = description; }
            if (function["parameters"] is JsonObject parameters)
            {
                var schema = GeminiSchema.Clean(parameters);
                // Gemini refuses an object schema without properties (400), which is how a function without arguments is declared.
                if (schema["properties"] is JsonObject { Count: > 0 } || Str(schema["type"]) is not "object") { declaration["parameters"] = schema; }
            }
            declarations.Add(declaration);
        }
        return declarations.Count == 0 ? null : [new JsonObject { ["functionDeclarations"] = declarations }];
    }

    private static JsonObject? ToolConfig(JsonNode? choice)
    {
        if (choice is null) { return null; }
        var calling = new JsonObject();
        switch (Str(choice))
        {
            case "auto": calling["mode"] = "AUTO"; break;
            case "none": calling["mode"] = "NONE"; break;
            case "required": calling["mode"] = "ANY"; break;
            case null when choice is JsonObject named && Str(named["type"]) == "function":
                calling["mode"] = "ANY";
                calling["allowedFunctionNames"] = new JsonArray(Str(At(named, "function", "name"))
                    ?? throw new FormatException("tool_choice.function.name must be a string"));
                break;
            default:
                throw new FormatException("tool_choice must be auto, none, required or a function");
        }
        return new JsonObject { ["functionCallingConfig"] = calling };
    }

    private static JsonObject GenerationConfig(JsonObject request, int maxTokens)
    {
        var config = new JsonObject();
        var max = Integer(request["max_completion_tokens"], "max_completion_tokens") ?? Integer(request["max_tokens"], "max_tokens");
        if (max is null && maxTokens > 0) { max = maxTokens; }
        if (max is { } limit) { config["maxOutputTokens"] = limit; }
        if (Number(request["temperature"], "temperature") is { } temperature) { config["temperature"] = temperature; }
        if (Number(request["top_p"], "top_p") is { } topP) { config["topP"] = topP; }
        if (Stops(request["stop"]) is { } stops) { config["stopSequences"] = stops; }
        if (Integer(request["n"], "n") is { } n) { config["candidateCount"] = n; }
        if (Integer(request["seed"], "seed") is { } seed) { config["seed"] = seed; }
        // Some Gemini models refuse penalties outright; clients often send 0, which asks for nothing.
        if (Number(request["presence_penalty"], "presence_penalty") is { } presence && presence.GetValue<double>() != 0) { config["presencePenalty"] = presence; }
        if (Number(request["frequency_penalty"], "frequency_penalty") is { } frequency && frequency.GetValue<double>() != 0) { config["frequencyPenalty"] = frequency; }

        if (request["response_format"] is JsonObject format)
        {
            switch (Str(format["type"]))
            {
                case "text": break;
                case "json_object":
                    config["responseMimeType"] = "application/json";
                    break;
                case "json_schema":
                    config["responseMimeType"] = "application/json";
                    if (At(format, "json_schema", "schema") is JsonObject schema) { config["responseSchema"] = GeminiSchema.Clean(schema); }
                    break;
                default:
                    throw new FormatException($"response_format.type '{Str(format["type"])}' is not text, json_object or json_schema");
            }
        }
        else if (request["response_format"] is not null)
        {
            throw new FormatException("response_format must be an object");
        }
        return config;
    }

    private static JsonArray? Stops(JsonNode? stop)
    {
        switch (stop)
        {
            case null: return null;
            case JsonArray list:
                var stops = new JsonArray();
                for (var i = 0; i < list.Count; i++) { stops.Add(Str(list[i]) ?? throw new FormatException($"stop[{i}] must be a string")); }
                return stops.Count == 0 ? null : stops;
            default:
                return [Str(stop) ?? throw new FormatException("stop must be a string or an array of strings")];
        }
    }
}
