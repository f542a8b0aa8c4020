using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// A prompt API: <c>POST</c> to the rule's path with a JSON object whose fields are the variables; the gateway fills the
/// template's <c>{{variable}}</c> places, calls the model, and answers the chat completion or only its text. The rule
/// also serves the API's OpenAPI document at <c>&lt;path&gt;/openapi.json</c>.
/// </summary>
public sealed record AiPrompt
{
    [Description("The model name to call, one of models[].name.")]
    [Required, MinLength(1), MaxLength(128)]
    public string Model { get; set; } = "";

    [Description("The chat messages, in order, with {{variable}} places.")]
    [Required, MinLength(1), MaxLength(16)]
    public List<AiPromptMessage> Messages { get; set; } = [];

    [Description("The variables the request body must or may carry.")]
    [MaxLength(32)]
    public List<AiPromptVariable>? Variables { get; set; }

    [Description("What the caller gets: content (a JSON object {\"content\": \"...\"} with the generated text) or completion (the provider's chat completion, in OpenAI's shape). Defaults to content.")]
    [DefaultValue(AiPromptResponse.Content)]
    public AiPromptResponse Response { get; set; } = AiPromptResponse.Content;

    [Description("A title and a description for the generated OpenAPI document.")]
    [MaxLength(2048)]
    public string? Description { get; set; }
}

public sealed record AiPromptMessage
{
    /// <summary>A {{name}} place in a message (spaces inside the braces allowed); group 1 is the variable's name. The
    /// controller checks every place names a variable, the gateway fills them: both read this one pattern.</summary>
    public const string PlacePattern = @"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}";

    [Description("system, user or assistant.")]
    [Required, RegularExpression("^(system|user|assistant)$")]
    public string Role { get; set; } = "user";

    [Description("The text, with {{name}} where a variable's value goes.")]
    [Required, MinLength(1), MaxLength(65536)]
    public string Content { get; set; } = "";
}

public sealed record AiPromptVariable
{
    [Description("The field of the request body, used as {{name}} in the messages.")]
    [Required, RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$"), MaxLength(64)]
    public string Name { get; set; } = "";

    [Description("string, number, integer or boolean. Defaults to string.")]
    [DefaultValue(AiVariableType.String)]
    public AiVariableType Type { get; set; } = AiVariableType.String;

    [Description("Whether the request must carry it. Defaults to true.")]
    [DefaultValue(true)]
    public bool Required { get; set; } = true;

    [Description("The longest string value accepted, in characters. Defaults to 4096.")]
    [Range(1, 1_000_000)]
    public int? MaxLength { get; set; }

    [Description("Shown in the OpenAPI document.")]
    [MaxLength(1024)]
    public string? Description { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<AiVariableType>))]
public enum AiVariableType
{
    [JsonStringEnumMemberName("string")] String,
    [JsonStringEnumMemberName("number")] Number,
    [JsonStringEnumMemberName("integer")] Integer,
    [JsonStringEnumMemberName("boolean")] Boolean,
}

[JsonConverter(typeof(JsonStringEnumConverter<AiPromptResponse>))]
public enum AiPromptResponse
{
    [JsonStringEnumMemberName("content")] Content,
    [JsonStringEnumMemberName("completion")] Completion,
}

/// <summary>
/// Checks on the messages before a call leaves. Patterns are .NET regular expressions run without backtracking (so no
/// pattern can stall the gateway), on each message's text.
/// </summary>
public sealed record AiGuard
{
    [Description("If set, every user message must match at least one of these.")]
    [MaxLength(32)]
    public List<GuardPattern>? Allow { get; set; }

    [Description("A message matching any of these refuses the call with 400, naming the pattern's name.")]
    [MaxLength(32)]
    public List<GuardPattern>? Deny { get; set; }

    [Description("Replaced in every message before the call leaves: builtin email and cardNumber, or your own patterns.")]
    [MaxLength(32)]
    public List<GuardMask>? Mask { get; set; }

    [Description("Which messages are checked and masked: user (the default) or all (system and assistant too).")]
    [DefaultValue(AiGuardScope.User)]
    public AiGuardScope Messages { get; set; } = AiGuardScope.User;
}

public sealed record GuardPattern
{
    [Description("A name shown in refusals and metrics (never the pattern itself).")]
    [Required, RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), MaxLength(63)]
    public string Name { get; set; } = "";

    [Description("A .NET regular expression (no backreferences or lookarounds: it runs without backtracking), matched case-insensitively anywhere in the text.")]
    [Required, MinLength(1), MaxLength(1024)]
    public string Pattern { get; set; } = "";
}

[CelRule("has(self.builtin) != has(self.pattern)", "set exactly one of builtin or pattern")]
public sealed record GuardMask
{
    [Description("email or cardNumber.")]
    public GuardBuiltin? Builtin { get; set; }

    [Description("Your own .NET regular expression (run without backtracking).")]
    [MinLength(1), MaxLength(1024)]
    public string? Pattern { get; set; }

    [Description("What replaces a match. Defaults to [email], [card number] or [masked].")]
    [MaxLength(64)]
    public string? Replacement { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<GuardBuiltin>))]
public enum GuardBuiltin
{
    [JsonStringEnumMemberName("email")] Email,
    [JsonStringEnumMemberName("cardNumber")] CardNumber,
}

[JsonConverter(typeof(JsonStringEnumConverter<AiGuardScope>))]
public enum AiGuardScope
{
    [JsonStringEnumMemberName("user")] User,
    [JsonStringEnumMemberName("all")] All,
}
