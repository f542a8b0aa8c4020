using Konnect.Model;

namespace Konnect.Gateway.Portal;

/// <summary>
/// The portal's front page: a search form (a plain GET form, so it works without JavaScript) and every API that
/// matches, grouped by namespace (the tenant) and owning team.
/// </summary>
internal static class PortalListPage
{
    private const int MaxDescription = 280;

    /// <param name="viewer">The signed-in consumer (namespace/name), if any.</param>
    /// <param name="canSignIn">Consumers exist: offer to sign in.</param>
    public static string Render(PortalCatalog catalog, PortalQuery query, string? viewer = null, bool canSignIn = false)
    {
        var html = new HtmlWriter();
        html.Start("APIs · Konnect developer portal");
        html.Raw("<h1>APIs</h1>");
        if (viewer is not null) { html.Element("p", $"Signed in as {viewer}: the APIs internal to its namespace are listed too.", "viewer"); }
        else if (canSignIn) { html.Raw("<p class=\"viewer\">").Link("/signin", "Sign in").Text(" as a consumer to see the APIs internal to its namespace, and who calls them.").Raw("</p>"); }
        Form(html, catalog, query);

        var apis = query.Apply(catalog.Apis).ToList();
        html.Raw("<p id=\"count\">").Text(apis.Count == 1 ? "1 API" : $"{apis.Count} APIs")
            .Text(query.IsEmpty ? "" : $" of {catalog.Apis.Count} match").Raw("</p>");
        if (catalog.Apis.Count == 0)
        {
            html.Raw("<p class=\"empty\">No API is listed yet: a KonnectRoute lists its API with spec.api.visibility: Listed.</p>");
        }

        foreach (var byNamespace in apis.GroupBy(a => a.Namespace))
        {
            html.Raw("<section class=\"namespace\"").Attribute("data-namespace", byNamespace.Key).Raw(">")
                .Element("h2", byNamespace.Key).Raw("<p class=\"hint\">namespace</p>");
            foreach (var byTeam in byNamespace.GroupBy(a => a.Team))
            {
                html.Element("h3", byTeam.Key is null ? "No team named" : $"Team {byTeam.Key}", "team");
                html.Raw("<ul class=\"apis\">");
                foreach (var api in byTeam) { Item(html, api); }
                html.Raw("</ul>");
            }
            html.Raw("</section>");
        }
        html.End();
        return html.ToString();
    }

    private static void Form(HtmlWriter html, PortalCatalog catalog, PortalQuery query)
    {
        html.Raw("<form id=\"search\" method=\"get\" action=\"/\" role=\"search\"><label>Search <input type=\"search\" id=\"q\" name=\"q\"")
            .Attribute("value", query.Text).Raw(" placeholder=\"name, description, tag\"></label>");
        Select(html, "tag", "Any tag", catalog.Tags, query.Tag);
        Select(html, "team", "Any team", catalog.Teams, query.Team);
        Select(html, "state", "Any state", [.. Enum.GetNames<ApiState>()], query.State?.ToString());
        if (catalog.Namespaces.Count > 1) { Select(html, "namespace", "Any namespace", catalog.Namespaces, query.Namespace); }
        html.Raw("<button type=\"submit\">Search</button>");
        if (!query.IsEmpty) { html.Raw(" ").Link("/", "Clear", "clear"); }
        html.Raw("</form>");
    }

    private static void Select(HtmlWriter html, string name, string any, IReadOnlyList<string> values, string? selected)
    {
        html.Raw("<label>").Text(char.ToUpperInvariant(name[0]) + name[1..]).Raw(" <select").Attribute("name", name).Attribute("id", name)
            .Raw("><option value=\"\">").Text(any).Raw("</option>");
        foreach (var value in values)
        {
            html.Raw("<option").Attribute("value", value).Raw(value == selected ? " selected>" : ">").Text(value).Raw("</option>");
        }
        html.Raw("</select></label>");
    }

    private static void Item(HtmlWriter html, PortalApi api)
    {
        html.Raw("<li class=\"api\"").Attribute("data-api", $"{api.Namespace}/{api.Name}").Raw("><h4>")
            .Link($"/apis/{HtmlWriter.Segment(api.Namespace)}/{HtmlWriter.Segment(api.Name)}", api.Title).Raw("</h4>");
        if (api.Description is { } description)
        {
            html.Element("p", description.Length > MaxDescription ? description[..MaxDescription] + "…" : description, "description");
        }
        html.Raw("<ul class=\"versions\">");
        foreach (var version in api.Versions)
        {
            html.Raw("<li class=\"version state-").Raw(version.State.ToString().ToLowerInvariant()).Raw("\"")
                .Attribute("data-version", version.Version).Raw(">").Element("span", version.Version, "version-name").Raw(" ")
                .Element("span", PortalText.State(version), "state").Raw(version.Internal ? " <span class=\"badge\">internal</span>" : "").Raw("</li>");
        }
        html.Raw("</ul>");
        PortalText.Tags(html, api.Tags);
        html.Raw("</li>");
    }
}
