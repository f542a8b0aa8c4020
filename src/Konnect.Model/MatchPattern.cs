using System.Text.RegularExpressions;

namespace Konnect.Model;

/// <summary>
/// How a RegularExpression match's pattern is compiled, in one place for the translator that validates it and the data
/// plane that runs it: the whole value must match (Gateway API), and matching is linear in the input
/// (NonBacktracking: patterns come from tenants, so no ReDoS).
/// </summary>
public static class MatchPattern
{
    public const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    /// <summary>
    /// The pattern the data plane compiles. \A and \z, not ^ and $, which would allow a trailing newline. A pattern can
    /// be valid alone and not here: a (?x) comment runs to the end and takes the closing parenthesis with it.
    /// </summary>
    public static string WholeValue(string pattern) => $@"\A(?:{pattern})\z";

    /// <summary>
    /// Compiles <paramref name="pattern"/> as the data plane does; ArgumentException or NotSupportedException when it
    /// cannot. The pattern is parsed alone first: one that only balances against the wrapper, such as <c>x)|(y</c>
    /// (wrapped: <c>\A(?:x)|(y)\z</c>, anything starting with x or ending with y), would otherwise escape the
    /// whole-value match.
    /// </summary>
    public static Regex Compile(string pattern)
    {
        _ = new Regex(pattern, Options);
        return new(WholeValue(pattern), Options);
    }
}
