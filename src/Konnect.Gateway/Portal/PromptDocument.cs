using System.Globalization;
using System.Text;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Gateway.Portal;

/// <summary>
/// A prompt API's document for the portal, from its prompt (the same variables and answer the prompt API's own
/// /openapi.json describes): one POST operation per path the route matches.
/// </summary>
internal static class PromptDocument
{
    public static ApiDocumentModel? Of(IReadOnlyList<RouteModel> rules)
    {
        var prompt = rules.Select(r => r.Policies?.Ai?.Prompt).FirstOrDefault(p => p is not null);
        if (prompt is null) { return null; }
        var body = new StringBuilder("object {\n");
        foreach (var variable in prompt.Variables)
        {
            body.Append("  ").Append(variable.Name).Append(variable.Required ? "*" : "").Append(": ").Append(variable.Type.ToString().ToLowerInvariant());
            if (variable.Type == AiVariableType.String) { body.Append(", at most ").Append(variable.MaxLength.ToString(CultureInfo.InvariantCulture)).Append(" characters"); }
            body.Append('\n');
        }
        body.Append('}');
        var answer = prompt.Response == AiPromptResponse.Content ? "object {\n  content*: string\n}" : "an OpenAI chat.completion object";
        var paths = rules.SelectMany(r => r.Matches).Where(m => m.PathKind != PathKind.RegularExpression).Select(m => m.Path).Distinct(StringComparer.Ordinal);
        return new ApiDocumentModel
        {
            Digest = "prompt",
            Title = $"{rules[0].Route} prompt API",
            Description = prompt.Description,
            Operations = [.. paths.Select(path => new ApiOperationModel
            {
                Method = "POST",
                Path = path,
                Summary = "Run the prompt with these variables",
                RequestBody = new ApiBodyModel("application/json", true, body.ToString()),
                Responses = [new ApiResponseModel("200", "The model's answer", "application/json", answer)],
            })],
        };
    }
}
