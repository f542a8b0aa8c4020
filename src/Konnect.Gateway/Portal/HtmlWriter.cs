using System.Text;
using System.Text.Encodings.Web;

namespace Konnect.Gateway.Portal;

/// <summary>
/// Builds an HTML page where every piece of text is encoded on the way in: descriptions, OpenAPI text and names are
/// shown as text, never parsed as markup. Only <see cref="Raw"/> writes markup, and only this folder's literals go there.
/// </summary>
internal sealed class HtmlWriter
{
    // Every script's letters pass as they are (a description in Japanese stays readable and small); what HTML gives a
    // meaning to (< > & " ') is always encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);
    private readonly StringBuilder _html = new(16 * 1024);

    public HtmlWriter Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    public HtmlWriter Text(string? text)
    {
        if (string.IsNullOrEmpty(text)) { return this; }
        // Line breaks stay line breaks (the encoder would write &#xA;): schemas and descriptions keep their lines.
        var start = 0;
        for (var end = text.IndexOf('\n'); end >= 0; start = end + 1, end = text.IndexOf('\n', start))
        {
            _html.Append(Encoder.Encode(text[start..end])).Append('\n');
        }
        _html.Append(Encoder.Encode(text[start..]));
        return this;
    }

    /// <summary>An element with encoded text content and an optional class.</summary>
    public HtmlWriter Element(string tag, string? text, string? cssClass = null)
    {
        _html.Append('<').Append(tag);
        if (cssClass is not null) { _html.Append(" class=\"").Append(cssClass).Append('"'); }
        _html.Append('>');
        Text(text);
        _html.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>An attribute value, encoded (quotes included).</summary>
    public HtmlWriter Attribute(string name, string? value)
    {
        _html.Append(' ').Append(name).Append("=\"");
        Text(value);
        _html.Append('"');
        return this;
    }

    public HtmlWriter Link(string href, string text, string? cssClass = null)
    {
        _html.Append("<a");
        Attribute("href", href);
        if (cssClass is not null) { _html.Append(" class=\"").Append(cssClass).Append('"'); }
        _html.Append('>');
        Text(text);
        _html.Append("</a>");
        return this;
    }

    public void Start(string title)
    {
        Raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
        Text(title);
        Raw("</title><link rel=\"stylesheet\" href=\"/portal.css\"></head><body><header><a class=\"home\" href=\"/\">Konnect developer portal</a></header><main>");
    }

    public void End() => Raw("</main><footer>Served by Konnect from the gateway's routes: what is listed here is what it serves now.</footer></body></html>\n");

    public override string ToString() => _html.ToString();

    /// <summary>A path segment for a link, escaped.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);
}
