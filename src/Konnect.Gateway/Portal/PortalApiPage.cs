using Konnect.Model;

namespace Konnect.Gateway.Portal;

/// <summary>
/// One API's page: each version with its state and dates, where it is served, what calling it needs (authentication,
/// subscription and approval, rate limits, token quotas) and its OpenAPI operations. Operations fold open with
/// &lt;details&gt;, so the page needs no JavaScript either.
/// </summary>
internal static class PortalApiPage
{
    /// <param name="calls">Writes the "Calls" section (analytics); null when analytics are off.</param>
    public static string Render(PortalApi api, Action<HtmlWriter>? calls = null)
    {
        var html = new HtmlWriter();
        html.Start($"{api.Title} · Konnect developer portal");
        html.Raw("<p class=\"crumbs\">").Link("/", "APIs").Text($" / {api.Namespace} / ").Raw("</p>");
        html.Element("h1", api.Title);
        html.Raw("<p class=\"meta\">").Text($"{api.Name} in namespace {api.Namespace}").Text(api.Team is { } team ? $", team {team}" : "").Raw("</p>");
        if (api.Description is { } description) { html.Element("p", description, "description"); }
        PortalText.Tags(html, api.Tags);
        calls?.Invoke(html);
        foreach (var version in api.Versions) { Version(html, api, version); }
        html.End();
        return html.ToString();
    }

    private static void Version(HtmlWriter html, PortalApi api, PortalVersion version)
    {
        html.Raw("<section class=\"version state-").Raw(version.State.ToString().ToLowerInvariant()).Raw("\"")
            .Attribute("id", $"version-{version.Version}").Attribute("data-version", version.Version).Raw(">");
        html.Raw("<h2>").Text(version.Version).Raw(" ").Element("span", PortalText.State(version), "state")
            .Raw(version.Internal ? " <span class=\"badge\">internal to this namespace</span>" : "").Raw("</h2>");
        html.Raw("<dl>");
        if (version.State == ApiState.Retired)
        {
            Term(html, "Status", "Retired: every call is answered 410 Gone.");
        }
        else if (version.State == ApiState.Deprecated && version.SunsetAt is { } sunset)
        {
            Term(html, "Sunset", PortalText.Date(sunset) + (version.EnforceSunset ? ": from then on, calls are answered 410 Gone" : ": announced in the Sunset header"));
        }
        Target(html, "Successor", version.Successor);
        Target(html, "Migration guide", version.Documentation);

        html.Raw("<dt>Base URLs</dt><dd><ul class=\"urls\">");
        foreach (var host in version.Hosts.Count == 0 ? ["any host"] : version.Hosts)
        {
            foreach (var path in version.Paths) { html.Raw("<li><code>").Text(version.Hosts.Count == 0 ? $"{path} (any host)" : host + path).Raw("</code></li>"); }
        }
        html.Raw("</ul></dd>");
        Term(html, "Methods", version.Methods.Count == 0 ? "any" : string.Join(", ", version.Methods));
        List(html, "Authentication", version.Access, "none: anyone who reaches the gateway may call");
        Subscription(html, api, version);
        List(html, "Rate limits", version.RateLimits, "none");
        if (version.TokenQuotas.Count > 0) { List(html, "Token quotas", version.TokenQuotas, ""); }
        html.Raw("</dl>");
        Operations(html, version);
        html.Raw("</section>");
    }

    private static void Subscription(HtmlWriter html, PortalApi api, PortalVersion version)
    {
        if (version.Subscription is not { } subscription) { return; }
        html.Raw("<dt>Access</dt><dd class=\"subscription\">");
        if (subscription.Required)
        {
            html.Element("p", "A subscription is needed. Add the route to your KonnectConsumer:");
            html.Raw("<pre class=\"snippet\">").Text($"spec:\n  subscriptions:\n    - route: {api.Namespace}/{version.Route}").Raw("</pre>");
        }
        if (subscription.Approval)
        {
            html.Element("p", $"Calls need approval: ask the owners of KonnectPolicy {subscription.Policy} to add your consumer (namespace/name) to its approvedConsumers.");
        }
        if (subscription.Groups.Count > 0)
        {
            html.Element("p", $"Consumers in these groups may call: {string.Join(", ", subscription.Groups)}.");
        }
        html.Raw("</dd>");
    }

    private static void Operations(HtmlWriter html, PortalVersion version)
    {
        if (!version.HasDocument) { return; }
        html.Element("h3", "Operations");
        if (version.Document is not { } document)
        {
            html.Element("p", "The OpenAPI document could not be read; the route's Documented condition says why.", "problem");
            return;
        }
        if (document.Description is { } description) { html.Element("p", description, "description"); }
        html.Raw("<div class=\"operations\">");
        foreach (var operation in document.Operations) { Operation(html, operation); }
        html.Raw("</div>");
        if (document.OperationsOmitted > 0) { html.Element("p", $"{document.OperationsOmitted} more operations are not shown.", "hint"); }
    }

    private static void Operation(HtmlWriter html, ApiOperationModel operation)
    {
        html.Raw("<details class=\"operation\"").Attribute("data-operation", $"{operation.Method} {operation.Path}").Raw("><summary>")
            .Element("span", operation.Method, MethodClass(operation.Method)).Raw(" ")
            .Element("code", operation.Path, "path");
        if (operation.Summary is { } summary) { html.Raw(" ").Element("span", summary, "summary"); }
        if (operation.Deprecated) { html.Raw(" ").Element("span", "deprecated", "badge"); }
        html.Raw("</summary>");
        if (operation.Description is { } description) { html.Element("p", description, "description"); }
        if (operation.Parameters.Count > 0)
        {
            html.Raw("<table class=\"parameters\"><thead><tr><th>Parameter</th><th>In</th><th>Schema</th><th>Description</th></tr></thead><tbody>");
            foreach (var parameter in operation.Parameters)
            {
                html.Raw("<tr><td>").Element("code", parameter.Name).Text(parameter.Required ? " (required)" : "").Raw("</td><td>").Text(parameter.In)
                    .Raw("</td><td>").Text(parameter.Schema).Raw("</td><td>").Text(parameter.Description).Raw("</td></tr>");
            }
            html.Raw("</tbody></table>");
        }
        if (operation.RequestBody is { } body)
        {
            html.Raw("<h4>Request body</h4><p>").Element("code", body.MediaType).Text(body.Required ? " (required)" : "").Raw("</p>");
            if (body.Schema is { } schema) { html.Element("pre", schema, "schema"); }
        }
        if (operation.Responses.Count > 0)
        {
            html.Raw("<h4>Responses</h4><table class=\"responses\"><tbody>");
            foreach (var response in operation.Responses)
            {
                html.Raw("<tr><td>").Element("code", response.Status).Raw("</td><td>").Text(response.Description);
                if (response.Schema is { } schema) { html.Raw("<br>").Element("code", response.MediaType).Element("pre", schema, "schema"); }
                html.Raw("</td></tr>");
            }
            html.Raw("</tbody></table>");
        }
        html.Raw("</details>");
    }

    // An absolute URL (the translator allows http and https only) is a link; a path is on the API's host, not the portal's.
    private static void Target(HtmlWriter html, string term, string? target)
    {
        if (target is null) { return; }
        html.Element("dt", term).Raw("<dd>");
        if (target.StartsWith('/')) { html.Element("code", target).Text(" on the API's host"); }
        else { html.Link(target, target); }
        html.Raw("</dd>");
    }

    private static void Term(HtmlWriter html, string term, string value) => html.Element("dt", term).Element("dd", value);

    // A class from a fixed set: the method is the document's text, and classes are written as they are.
    private static string MethodClass(string method) => method switch
    {
        "GET" => "method method-get",
        "POST" => "method method-post",
        "DELETE" => "method method-delete",
        _ => "method",
    };

    private static void List(HtmlWriter html, string term, IReadOnlyList<string> values, string none)
    {
        if (values.Count <= 1) { Term(html, term, values.Count == 1 ? values[0] : none); return; }
        html.Element("dt", term).Raw("<dd><ul>");
        foreach (var value in values) { html.Element("li", value); }
        html.Raw("</ul></dd>");
    }
}
