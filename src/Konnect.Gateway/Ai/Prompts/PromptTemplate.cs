using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Gateway.Ai.Prompts;

/// <summary>A prompt's template filled from a plain request's fields, each checked against its declared variable first.</summary>
internal static partial class PromptTemplate
{
    /// <returns>The chat request for the prompt's model, or null with <paramref name="problem"/> naming the variable.</returns>
    public static JsonObject? Fill(AiPromptModel prompt, JsonObject body, out string? problem)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in prompt.Variables)
        {
            problem = Validate(variable, body[variable.Name], out var value);
            if (problem is not null) { return null; }
            values[variable.Name] = value ?? "";
        }
        problem = null;
        var messages = new JsonArray();
        foreach (var message in prompt.Messages)
        {
            var filled = Place().Replace(message.Content, m => values.GetValueOrDefault(m.Groups[1].Value, ""));
            messages.Add(new JsonObject { ["role"] = message.Role, ["content"] = filled });
        }
        return new JsonObject { ["model"] = prompt.Model, ["messages"] = messages };
    }

    private static string? Validate(AiPromptVariableModel variable, JsonNode? node, out string? value)
    {
        value = null;
        if (node is null)
        {
            return variable.Required ? $"The variable '{variable.Name}' is required." : null;
        }
        var kind = node.GetValueKind();
        switch (variable.Type)
        {
            case AiVariableType.String when kind == JsonValueKind.String:
                value = node.GetValue<string>();
                return value.Length > variable.MaxLength ? $"The variable '{variable.Name}' is longer than {variable.MaxLength} characters." : null;
            case AiVariableType.Number when kind == JsonValueKind.Number:
                value = node.ToJsonString();
                return null;
            case AiVariableType.Integer when kind == JsonValueKind.Number && node.AsValue().TryGetValue<long>(out var integer):
                value = integer.ToString(CultureInfo.InvariantCulture);
                return null;
            case AiVariableType.Boolean when kind is JsonValueKind.True or JsonValueKind.False:
                value = kind == JsonValueKind.True ? "true" : "false";
                return null;
            default:
                return $"The variable '{variable.Name}' must be a {variable.Type.ToString().ToLowerInvariant()}.";
        }
    }

    [GeneratedRegex(AiPromptMessage.PlacePattern, RegexOptions.CultureInvariant)]
    private static partial Regex Place();
}
