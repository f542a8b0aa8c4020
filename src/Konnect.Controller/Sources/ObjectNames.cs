using System.Text.RegularExpressions;

namespace Konnect.Controller.Sources;

/// <summary>
/// The names the Kubernetes API server accepts, checked in folder mode where there is none: an object's name is a
/// DNS-1123 subdomain (a Service's a DNS-1035 label), a namespace a DNS-1123 label. The patterns end in \z, not $:
/// .NET's $ also matches before a final newline.
/// </summary>
internal static partial class ObjectNames
{
    public const int MaxName = 253;
    public const int MaxLabel = 63;

    /// <summary>Null when <paramref name="name"/> is a name the API server takes for <paramref name="kind"/>; else what is wrong.</summary>
    public static string? NameProblem(string kind, string name)
    {
        if (kind == "Service")
        {
            return name.Length <= MaxLabel && Dns1035Label().IsMatch(name) ? null
                : $"is not a Service name: at most {MaxLabel} lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
        }
        return name.Length <= MaxName && Dns1123Subdomain().IsMatch(name) ? null
            : $"is not an object name: at most {MaxName} lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";
    }

    public static string? NamespaceProblem(string name) => name.Length <= MaxLabel && Dns1123Label().IsMatch(name) ? null
        : $"is not a namespace name: at most {MaxLabel} lower-case letters, digits and '-', starting and ending with a letter or digit";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035Label();
}
