using System.Text.RegularExpressions;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>Validates a prompt API: its model exists, and every {{place}} in its messages is a declared variable.</summary>
internal static partial class AiPromptCompiler
{
    public const int DefaultMaxLength = 4096;

    public static string? TryCompile(AiPrompt prompt, IReadOnlyList<AiModelRouteModel> models, out AiPromptModel? model)
    {
        model = null;
        if (!models.Any(m => m.Name == prompt.Model))
        {
            return $"spec.ai.prompt.model: \"{prompt.Model}\" is not one of spec.ai.models ({string.Join(", ", models.Select(m => m.Name))})";
        }
        if (prompt.Messages is not { Count: > 0 } messages) { return "spec.ai.prompt.messages: at least one message is required"; }
        var variables = new List<AiPromptVariableModel>();
        var declared = prompt.Variables ?? [];
        for (var i = 0; i < declared.Count; i++)
        {
            var variable = declared[i];
            if (!VariableName().IsMatch(variable.Name ?? "")) { return $"spec.ai.prompt.variables[{i}].name: \"{variable.Name}\" is not a name such as text or max_words"; }
            if (variables.Any(v => v.Name == variable.Name)) { return $"spec.ai.prompt.variables[{i}].name: \"{variable.Name}\" is declared twice"; }
            if (variable.MaxLength is < 1 or > 1_000_000) { return $"spec.ai.prompt.variables[{i}].maxLength: {variable.MaxLength} is outside 1-1000000"; }
            variables.Add(new AiPromptVariableModel(variable.Name!, variable.Type, variable.Required, variable.MaxLength ?? DefaultMaxLength, variable.Description));
        }
        var compiled = new List<AiPromptMessageModel>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role is not ("system" or "user" or "assistant")) { return $"spec.ai.prompt.messages[{i}].role: \"{message.Role}\" is not system, user or assistant"; }
            if (string.IsNullOrEmpty(message.Content)) { return $"spec.ai.prompt.messages[{i}].content: required"; }
            foreach (Match place in Place().Matches(message.Content))
            {
                var name = place.Groups[1].Value;
                if (!variables.Any(v => v.Name == name))
                {
                    return $"spec.ai.prompt.messages[{i}].content: {{{{{name}}}}} is not declared in spec.ai.prompt.variables";
                }
            }
            compiled.Add(new AiPromptMessageModel(message.Role, message.Content));
        }
        model = new AiPromptModel { Model = prompt.Model, Messages = compiled, Variables = variables, Response = prompt.Response, Description = prompt.Description };
        return null;
    }

    /// <summary>A {{name}} place, spaces inside the braces allowed.</summary>
    [GeneratedRegex(AiPromptMessage.PlacePattern, RegexOptions.CultureInvariant)]
    public static partial Regex Place();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();
}
