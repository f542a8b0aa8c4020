using System.Globalization;
using System.Text;
using Konnect.Gateway.Observability.Analytics;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Portal;

/// <summary>
/// The portal's view of call analytics: which report a request asks for (window, version, consumer, status class),
/// the report as CSV, and as charts on the API's page. The charts are inline SVG drawn here: no script, no library,
/// nothing loaded, and every bar has a title a pointer shows.
/// </summary>
internal static class PortalAnalytics
{
    public static readonly (string Name, TimeSpan Span)[] Windows = [("1h", TimeSpan.FromHours(1)), ("6h", TimeSpan.FromHours(6)), ("24h", TimeSpan.FromHours(24))];

    public static (string Name, TimeSpan Span) Window(IQueryCollection query) =>
        Windows.FirstOrDefault(w => w.Name == query["window"].ToString()) is { Name: not null } window ? window : Windows[0];

    public static AnalyticsFilter Filter(IQueryCollection query) => new(
        query["version"].ToString() is { Length: > 0 } version ? version : null,
        query["consumer"].ToString() is { Length: > 0 } consumer ? consumer : null,
        int.TryParse(query["class"].ToString().TrimEnd('x', 'X'), NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c is >= 1 and <= 5 ? c : null);

    public static AnalyticsReport Report(CallAnalytics analytics, PortalApi api, TimeSpan window, AnalyticsFilter filter) =>
        AnalyticsReport.Build(analytics, $"{api.Namespace}/{api.Name}",
            api.Versions.ToDictionary(v => $"{api.Namespace}/{v.Route}", v => v.Version, StringComparer.Ordinal), window, filter);

    public static string Csv(AnalyticsReport report)
    {
        var csv = new StringBuilder("minute,requests,errors,status_2xx,status_3xx,status_4xx,status_5xx,p50_ms,p95_ms,p99_ms,bytes_in,bytes_out,tokens_in,tokens_out,cost\n");
        foreach (var point in report.Minutes)
        {
            var f = point.Figures;
            csv.Append(point.Minute.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture)).Append(',')
                .AppendJoin(',', [f.Requests, f.Errors, f.Status2xx, f.Status3xx, f.Status4xx, f.Status5xx]).Append(',')
                .AppendJoin(',', [Number(f.P50Ms), Number(f.P95Ms), Number(f.P99Ms)]).Append(',')
                .AppendJoin(',', [f.BytesIn, f.BytesOut, f.TokensIn, f.TokensOut]).Append(',')
                .Append(f.Cost.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return csv.ToString();
    }

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "";

    /// <summary>The "Calls" section of an API's page.</summary>
    /// <param name="showConsumers">Whether this viewer may see who calls (see GatewayOptions.PortalConsumerNames).</param>
    public static void Write(HtmlWriter html, PortalApi api, AnalyticsReport report, IQueryCollection query, bool showConsumers)
    {
        var window = Window(query).Name;
        var path = $"/apis/{HtmlWriter.Segment(api.Namespace)}/{HtmlWriter.Segment(api.Name)}";
        html.Raw("<section class=\"analytics\" id=\"calls\"><h2>Calls</h2><p class=\"windows\">");
        foreach (var (name, _) in Windows)
        {
            if (name == window) { html.Element("strong", $"last {name}"); }
            else { html.Link($"{path}?window={name}#calls", $"last {name}"); }
            html.Raw(" ");
        }
        html.Raw("· ").Link($"/api/analytics/{HtmlWriter.Segment(api.Namespace)}/{HtmlWriter.Segment(api.Name)}?window={window}", "JSON")
            .Raw(" · ").Link($"/api/analytics/{HtmlWriter.Segment(api.Namespace)}/{HtmlWriter.Segment(api.Name)}.csv?window={window}", "CSV").Raw("</p>");
        if (report.DataFrom is { } dataFrom)
        {
            html.Element("p", $"Data from {dataFrom.UtcDateTime:yyyy-MM-dd HH:mm} UTC: older minutes were dropped to stay within the analytics memory limit.", "hint");
        }
        var t = report.Totals;
        html.Raw("<dl class=\"totals\">");
        Term(html, "Requests", t.Requests.ToString("N0", CultureInfo.InvariantCulture), "requests");
        Term(html, "Errors (4xx and 5xx)", t.Errors.ToString("N0", CultureInfo.InvariantCulture), "errors");
        Term(html, "Latency p50 / p95 / p99", $"{Ms(t.P50Ms)} / {Ms(t.P95Ms)} / {Ms(t.P99Ms)}", "latency");
        Term(html, "Bytes in / out", $"{t.BytesIn:N0} / {t.BytesOut:N0}", "bytes");
        if (t.TokensIn + t.TokensOut > 0) { Term(html, "AI tokens in / out, cost", $"{t.TokensIn:N0} / {t.TokensOut:N0}, {t.Cost.ToString(CultureInfo.InvariantCulture)}", "tokens"); }
        html.Raw("</dl>");
        Chart(html, report);
        if (!showConsumers)
        {
            html.Raw("<p class=\"hint\">").Text($"Who calls this API is shown to consumers of namespace {api.Namespace}, ").Link("/signin", "signed in").Raw(".</p>");
        }
        else if (report.TopConsumers.Count > 0)
        {
            html.Raw("<h3>Top consumers</h3><table class=\"top-consumers\"><thead><tr><th>Consumer</th><th>Requests</th><th>Errors</th><th>p95</th><th>Tokens</th></tr></thead><tbody>");
            foreach (var consumer in report.TopConsumers)
            {
                var f = consumer.Figures;
                html.Raw("<tr><td>").Text(consumer.Consumer ?? "(none)").Raw("</td><td>").Text(f.Requests.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>")
                    .Text(f.Errors.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>").Text(Ms(f.P95Ms)).Raw("</td><td>")
                    .Text((f.TokensIn + f.TokensOut).ToString(CultureInfo.InvariantCulture)).Raw("</td></tr>");
            }
            html.Raw("</tbody></table>");
        }
        if (report.TopErrors.Count > 0)
        {
            html.Raw("<h3>Top errors</h3><table class=\"top-errors\"><thead><tr><th>Status</th><th>Refused by the gateway</th><th>Requests</th></tr></thead><tbody>");
            foreach (var error in report.TopErrors)
            {
                html.Raw("<tr><td>").Text(error.Status.ToString(CultureInfo.InvariantCulture)).Raw("</td><td>").Text(error.Problem ?? "no: the upstream's answer")
                    .Raw("</td><td>").Text(error.Requests.ToString(CultureInfo.InvariantCulture)).Raw("</td></tr>");
            }
            html.Raw("</tbody></table>");
        }
        html.Raw("</section>");
    }

    private static string Ms(double? ms) => ms is { } value ? $"{value.ToString("0.##", CultureInfo.InvariantCulture)} ms" : "–";

    private static void Term(HtmlWriter html, string term, string value, string cssClass) =>
        html.Element("dt", term).Raw("<dd class=\"").Raw(cssClass).Raw("\">").Text(value).Raw("</dd>");

    // One bar per minute of the window: the calls that ended well, and on top of them the errors.
    private static void Chart(HtmlWriter html, AnalyticsReport report)
    {
        const int width = 720, height = 160, top = 10, bottom = 20;
        var minutes = Math.Max(1, (int)Math.Ceiling((report.To - report.From).TotalMinutes));
        var max = Math.Max(1, report.Minutes.Count == 0 ? 1 : report.Minutes.Max(p => p.Figures.Requests));
        var bar = (double)width / minutes;
        var scale = (double)(height - top - bottom) / max;
        html.Raw("<svg class=\"chart calls\" role=\"img\" viewBox=\"0 0 ").Raw(F(width)).Raw(" ").Raw(F(height)).Raw("\"")
            .Attribute("data-requests", report.Totals.Requests.ToString(CultureInfo.InvariantCulture))
            .Raw("><title>").Text($"Calls per minute, at most {max} in a minute").Raw("</title>");
        html.Raw("<line x1=\"0\" x2=\"").Raw(F(width)).Raw("\" y1=\"").Raw(F(height - bottom)).Raw("\" y2=\"").Raw(F(height - bottom)).Raw("\" stroke=\"#d8dee4\"/>");
        foreach (var point in report.Minutes)
        {
            var x = Math.Clamp((point.Minute - report.From).TotalMinutes, 0, minutes - 1) * bar;
            var f = point.Figures;
            var ok = f.Requests - f.Errors;
            var y = height - bottom - f.Requests * scale;
            html.Raw("<g class=\"minute\"").Attribute("data-minute", point.Minute.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture))
                .Attribute("data-requests", f.Requests.ToString(CultureInfo.InvariantCulture)).Raw("><title>")
                .Text($"{point.Minute.UtcDateTime:HH:mm} UTC: {f.Requests} calls, {f.Errors} errors, p95 {Ms(f.P95Ms)}").Raw("</title>");
            if (f.Errors > 0)
            {
                html.Raw("<rect fill=\"#a40e26\" x=\"").Raw(F(x)).Raw("\" y=\"").Raw(F(y)).Raw("\" width=\"").Raw(F(Math.Max(1, bar - 1)))
                    .Raw("\" height=\"").Raw(F(f.Errors * scale)).Raw("\"/>");
            }
            html.Raw("<rect fill=\"#0b5cad\" x=\"").Raw(F(x)).Raw("\" y=\"").Raw(F(y + f.Errors * scale)).Raw("\" width=\"").Raw(F(Math.Max(1, bar - 1)))
                .Raw("\" height=\"").Raw(F(ok * scale)).Raw("\"/></g>");
        }
        html.Raw("<text x=\"0\" y=\"").Raw(F(height - 4)).Raw("\" font-size=\"11\" fill=\"#5b6570\">")
            .Text($"{report.From.UtcDateTime:HH:mm} UTC").Raw("</text><text x=\"").Raw(F(width)).Raw("\" y=\"").Raw(F(height - 4))
            .Raw("\" font-size=\"11\" fill=\"#5b6570\" text-anchor=\"end\">").Text($"{report.To.UtcDateTime:HH:mm} UTC").Raw("</text></svg>");
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
