using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Gateway.Ai.Guard;

/// <summary>
/// The guard block compiled: patterns run NonBacktracking (linear in the text, so no prompt can stall a worker) with a
/// match timeout as a second bound. Works on OpenAI chat requests, the hub format every front is translated to first.
/// </summary>
internal sealed class PromptGuard
{
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);
    private readonly (string Name, Regex Regex)[] _allow;
    private readonly (string Name, Regex Regex)[] _deny;
    private readonly (Regex Regex, string Replacement)[] _mask;
    private readonly bool _allMessages;

    private PromptGuard(AiGuardModel model)
    {
        _allow = model.Allow.Select(p => (p.Name, new Regex(p.Pattern, Options, MatchTimeout))).ToArray();
        _deny = model.Deny.Select(p => (p.Name, new Regex(p.Pattern, Options, MatchTimeout))).ToArray();
        // A replacement is literal text: "$" would otherwise name a group.
        _mask = model.Mask.Select(m => (new Regex(m.Pattern, Options, MatchTimeout), m.Replacement.Replace("$", "$$", StringComparison.Ordinal))).ToArray();
        _allMessages = model.Messages == AiGuardScope.All;
    }

    public static PromptGuard Compile(AiGuardModel model) => new(model);

    /// <summary>Checks and masks the request's messages in place.</summary>
    /// <returns>Why the call is refused, or null.</returns>
    public string? Apply(JsonObject chatRequest)
    {
        if (chatRequest["messages"] is not JsonArray messages) { return null; }
        foreach (var node in messages)
        {
            if (node is not JsonObject message) { continue; }
            var role = message["role"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)message["role"] : null;
            if (!_allMessages && role != "user") { continue; }
            var content = message["content"];
            if (content is JsonValue value && value.TryGetValue<string>(out var text))
            {
                if (Check(text, role == "user") is { } refusal) { return refusal; }
                if (_mask.Length > 0) { message["content"] = Mask(text); }
            }
            else if (content is JsonArray parts)
            {
                foreach (var part in parts.OfType<JsonObject>())
                {
                    if (part["text"] is JsonValue t && t.TryGetValue<string>(out var partText))
                    {
                        if (Check(partText, role == "user") is { } refusal) { return refusal; }
                        if (_mask.Length > 0) { part["text"] = Mask(partText); }
                    }
                }
            }
        }
        return null;
    }

    private string? Check(string text, bool user)
    {
        foreach (var (name, regex) in _deny)
        {
            if (regex.IsMatch(text)) { return $"The prompt matches the deny pattern \"{name}\" of the gateway's prompt guard."; }
        }
        if (user && _allow.Length > 0 && !_allow.Any(a => a.Regex.IsMatch(text)))
        {
            return $"The prompt matches none of the allowed patterns ({string.Join(", ", _allow.Select(a => a.Name))}) of the gateway's prompt guard.";
        }
        return null;
    }

    private string Mask(string text)
    {
        foreach (var (regex, replacement) in _mask) { text = regex.Replace(text, replacement); }
        return text;
    }
}
