using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Konnect.Commands;

/// <summary>Reads one text as a setting's value; false when the text is not one.</summary>
internal delegate bool TextParser<T>(string text, [MaybeNullWhen(false)] out T value);

/// <summary>
/// How a setting's text becomes its value. A flag's token, an environment variable and the declared default all go
/// through the same <see cref="Parse"/>, so the three cannot disagree on what a text means.
/// </summary>
internal sealed class Syntax<T>
{
    /// <summary>What a valid text looks like, completing "is not …" in an error: "on or off".</summary>
    public required string Expected { get; init; }

    public required TextParser<T> Parse { get; init; }

    /// <summary>The value with no flag, no variable and no declared default.</summary>
    public T Unset { get; init; } = default!;

    public string? HelpName { get; init; }

    /// <summary>The only texts a flag takes: System.CommandLine checks the token (and completes it) itself.</summary>
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>False for repeatable lists and bare flags: System.CommandLine converts their tokens itself.</summary>
    public bool ParsesFlags { get; init; } = true;

    /// <summary>Several values may follow one flag (--listen a b), as well as the flag repeated.</summary>
    public bool SeveralPerFlag { get; init; }

    /// <summary>How the variable's text differs from one flag token, e.g. "comma-separated".</summary>
    public string? VariableFormat { get; init; }

    /// <summary>An error for a bad flag token other than the usual one (flag, variable, text).</summary>
    public Func<string, string?, string, string>? FlagError { get; init; }
}

/// <summary>The syntaxes `konnect run`'s settings use.</summary>
internal static class Syntax
{
    public static readonly Syntax<string?> Text = new()
    {
        Expected = "text",
        Parse = (string text, out string? value) => { value = text; return true; },
    };

    /// <summary>Repeat the flag (or give several values after it); the variable holds them separated by commas.</summary>
    public static readonly Syntax<string[]> List = new()
    {
        Expected = "a comma-separated list",
        Parse = (string text, [MaybeNullWhen(false)] out string[] value) => { value = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); return true; },
        Unset = [],
        ParsesFlags = false,
        SeveralPerFlag = true,
        VariableFormat = "comma-separated",
    };

    /// <summary>Folders: repeat the flag for several; the variable names one (a folder's name may hold a comma).</summary>
    public static readonly Syntax<string[]> Folders = new()
    {
        Expected = "a folder",
        Parse = (string text, [MaybeNullWhen(false)] out string[] value) => { value = [text]; return true; },
        Unset = [],
        ParsesFlags = false,
        VariableFormat = "one folder",
    };

    /// <summary>A switch; the value is "on" or "off" whichever spelling was used (on/off, true/false, 1/0, yes/no).</summary>
    public static readonly Syntax<string> OnOff = new()
    {
        Expected = "on or off",
        Parse = (string text, [MaybeNullWhen(false)] out string value) =>
        {
            value = ParseOnOff(text) switch { true => "on", false => "off", null => null };
            return value is not null;
        },
        HelpName = "on|off",
        // The switches' message from before this layer, which names the variable too.
        FlagError = (flag, variable, _) => $"{flag} (or {variable}) takes on or off",
    };

    /// <summary>A bare flag (present: on); its variable says on or off.</summary>
    public static readonly Syntax<bool> Flag = new()
    {
        Expected = "on or off",
        Parse = (string text, out bool value) => { var parsed = ParseOnOff(text); value = parsed ?? false; return parsed is not null; },
        ParsesFlags = false,
        VariableFormat = "on or off",
    };

    public static readonly Syntax<double> Ratio = new()
    {
        Expected = "a number from 0 to 1",
        Parse = (string text, out double value) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value is >= 0 and <= 1,
    };

    public static readonly Syntax<TimeSpan> Duration = new()
    {
        Expected = "a duration such as 1s or 500ms",
        Parse = (string text, out TimeSpan value) => Konnect.Api.Duration.TryParse(text, out value) && value > TimeSpan.Zero,
        HelpName = "duration",
    };

    /// <summary>A size such as 64Mi; the value stays the text (so help shows 64Mi), <see cref="Bytes"/> reads it.</summary>
    public static readonly Syntax<string> Size = new()
    {
        Expected = "a size such as 64Mi, 512Ki or 1048576",
        Parse = (string text, [MaybeNullWhen(false)] out string value) =>
        {
            value = Konnect.Api.ByteSize.TryParse(text, out _) ? text : null;
            return value is not null;
        },
        HelpName = "size",
    };

    public static readonly Syntax<int?> Port = new()
    {
        Expected = "a port number (1-65535)",
        Parse = (string text, out int? value) =>
        {
            value = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535 ? port : null;
            return value is not null;
        },
        HelpName = "port",
    };

    public static readonly Syntax<int?> Count = new()
    {
        Expected = "a number (0 or more)",
        Parse = (string text, out int? value) =>
        {
            value = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
            return value is not null;
        },
    };

    public static Syntax<string> OneOf(params string[] choices) => new()
    {
        Expected = string.Join(", ", choices[..^1]) + " or " + choices[^1],
        Parse = (string text, [MaybeNullWhen(false)] out string value) =>
        {
            value = choices.Contains(text, StringComparer.Ordinal) ? text : null;
            return value is not null;
        },
        HelpName = string.Join('|', choices),
        Choices = choices,
    };

    /// <summary>The bytes of a text <see cref="Size"/> accepted.</summary>
    public static long Bytes(string? size) =>
        Konnect.Api.ByteSize.TryParse(size, out var bytes) ? bytes : throw new FormatException($"\"{size}\" is not a size");

    private static bool? ParseOnOff(string text) => text.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "1" or "yes" => true,
        "off" or "false" or "0" or "no" => false,
        _ => null,
    };
}

/// <summary>What the reference and the tests read of a setting, whatever its type.</summary>
internal interface ISetting
{
    /// <summary>The flag, e.g. --listen.</summary>
    string Name { get; }

    /// <summary>What it does, without the variable (which `--help` adds to the option's description).</summary>
    string Meaning { get; }

    /// <summary>The environment variable read when the flag is absent, or null.</summary>
    string? Variable { get; }

    /// <summary>How the variable's text differs from a flag's, e.g. "comma-separated".</summary>
    string? VariableFormat { get; }

    /// <summary>The value when neither the flag nor the variable is given, as one would type it; null: unset.</summary>
    string? Default { get; }
}

/// <summary>
/// One setting of `konnect run`, declared once: its flag, its environment variable (KONNECT_ and the flag's name, unless
/// declared otherwise), its default as one would type it, and what it means. Resolved in one order: the flag, else the
/// variable, else the default.
/// </summary>
/// <remarks>
/// The order is System.CommandLine's own: a flag on the command line goes through <see cref="Option{T}.CustomParser"/>
/// (or its own conversion), an absent one through <see cref="Option{T}.DefaultValueFactory"/>. The hand-written glue
/// is only that factory: it reads the variable (else the declared default) and parses it with the flag's
/// <see cref="Syntax{T}"/>, so a bad variable is a parse error naming the variable, reported and exited on exactly like
/// a bad flag. Microsoft.Extensions.Configuration's environment provider would add a second precedence mechanism
/// beside the parser's and report bad values by configuration key from the binder, not by variable; the parser
/// already owns the order and the errors, so it is not used here.
/// </remarks>
internal sealed class Setting<T> : Option<T>, ISetting
{
    private readonly Syntax<T> _syntax;
    private readonly Func<string, string?> _environment;
    private readonly T _default;

    /// <param name="variable">Null: KONNECT_ and the flag's name (--redis-tls-ca: KONNECT_REDIS_TLS_CA); <see cref="Setting.NoVariable"/>: none.</param>
    public Setting(string name, Syntax<T> syntax, string meaning, Func<string, string?> environment, string? @default = null,
        string? variable = null, params string[] aliases)
        : base(name, aliases)
    {
        _syntax = syntax;
        _environment = environment;
        Meaning = meaning;
        Default = @default;
        Variable = variable is null ? Setting.VariableFor(name) : variable.Length == 0 ? null : variable;
        _default = @default is null ? syntax.Unset
            : syntax.Parse(@default, out var value) ? value
            : throw new ArgumentException($"{name}: the default \"{@default}\" is not {syntax.Expected}", nameof(@default));
        Description = Variable is null ? meaning : $"{meaning} [env: {Variable}{(VariableFormat is null ? "" : ", " + VariableFormat)}]";
        HelpName = syntax.HelpName;
        AllowMultipleArgumentsPerToken = syntax.SeveralPerFlag;
        if (syntax.Choices is { } choices) { AcceptOnlyFromAmong([.. choices]); }
        if (syntax.ParsesFlags) { CustomParser = FromFlag; }
        DefaultValueFactory = FromVariableOrDefault;
    }

    public string Meaning { get; }

    public string? Variable { get; }

    public string? VariableFormat => Variable is null ? null : _syntax.VariableFormat;

    public string? Default { get; }

    private T? FromFlag(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (_syntax.Parse(text, out var value)) { return value; }
        result.AddError(_syntax.FlagError?.Invoke(Name, Variable, text) ?? $"{Name}: \"{text}\" is not {_syntax.Expected}");
        return _default;
    }

    private T FromVariableOrDefault(ArgumentResult result)
    {
        // Help asks for the default through a result of no option (Parent null): it shows the declared default, never
        // what the environment holds (a Redis address may carry what it should not).
        if (result.Parent is null || Variable is null || _environment(Variable) is not { } raw || string.IsNullOrWhiteSpace(raw))
        {
            return _default;
        }
        var text = raw.Trim();
        if (_syntax.Parse(text, out var value)) { return value; }
        result.AddError($"{Variable}: \"{text}\" is not {_syntax.Expected}");
        return _default;
    }
}

/// <summary>What settings of every type share.</summary>
internal static class Setting
{
    /// <summary>Pass as the variable of a setting that has none.</summary>
    public const string NoVariable = "";

    /// <summary>A flag's variable unless declared otherwise: KONNECT_ and its name in capitals, dashes as underscores.</summary>
    public static string VariableFor(string flag) => "KONNECT_" + flag.TrimStart('-').Replace('-', '_').ToUpperInvariant();
}

/// <summary>
/// A setting with no flag, read from its environment variable only: credentials, since argv is visible to every
/// process on the machine. Never validated, printed or logged here; an empty variable counts as unset.
/// </summary>
internal sealed record VariableSetting(string Variable, string Meaning)
{
    public string? Read(Func<string, string?> environment) => environment(Variable) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}
