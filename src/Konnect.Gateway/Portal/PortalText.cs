using System.Globalization;
using Konnect.Model;

namespace Konnect.Gateway.Portal;

/// <summary>Words the portal's pages share: a version's state with its dates.</summary>
internal static class PortalText
{
    /// <summary>An API's tags, each a link to the list filtered by it.</summary>
    public static void Tags(HtmlWriter html, IReadOnlyList<string> tags)
    {
        if (tags.Count == 0) { return; }
        html.Raw("<ul class=\"tags\">");
        foreach (var tag in tags) { html.Raw("<li>").Link($"/?tag={HtmlWriter.Segment(tag)}", tag, "tag").Raw("</li>"); }
        html.Raw("</ul>");
    }

    public static string Date(DateTimeOffset date) => date.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string State(PortalVersion version) => version.State switch
    {
        ApiState.Retired => "Retired",
        ApiState.Deprecated => "Deprecated"
            + (version.DeprecatedAt is { } since ? $" since {Date(since)}" : "")
            + (version.SunsetAt is { } sunset ? $", sunset {Date(sunset)}" : ""),
        _ => "Published",
    };
}
