using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>
/// Header injection through the gateway's own edits: a transform value that cannot travel in one header field (CR,
/// LF, another control character, a byte beyond ASCII) is refused when the policy is translated, with the reason in
/// its status, and the rules using it answer 503 instead of sending anything; a client path carrying an encoded CR LF
/// through a rewrite stays encoded. Through each forwarder.
/// </summary>
[Collection(HostileHttpCollection.Name)]
public sealed class HeaderInjectionTests(HostileHttpRig rig, ITestOutputHelper output)
{
    public static TheoryData<string, string, int> Policies()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (policy, path) in new[] { ("crlf", "/crlf-request"), ("crlf-response", "/crlf-response"), ("control", "/control"), ("latin", "/latin") })
        {
            data.Add(policy, path, 0);
            data.Add(policy, path, 1);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public async Task TransformValueThatCannotBeAField_RefusedAtTranslation_RuleAnswers503(string policy, string path, int gatewayIndex)
    {
        var gateway = rig.Gateways[gatewayIndex];
        var accepted = Accepted(await gateway.StatusAsync(), policy);
        var target = $"{path}/x-{gatewayIndex}";

        await using var client = await gateway.ConnectAsync();
        await client.SendAsync($"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n");
        var answer = await client.ReadResponseAsync(TimeSpan.FromSeconds(20));
        var field = accepted.Message.Split(':')[0];
        var outcome = $"{(accepted.Status == "False" ? $"policy refused ({field})" : $"policy accepted ({accepted.Message})")}; request {answer?.Status}{(answer?.IsProblem == true ? " problem" : "")}";
        ReliabilityFigures.Record(output, "hostile HTTP", $"transform {policy} ({gateway.Name})", outcome,
            accepted.Status == "False" && answer?.Status == 503 ? "met" : "missed");

        Assert.Equal("False", accepted.Status);
        Assert.Contains(".value", accepted.Message, StringComparison.Ordinal);
        Assert.Equal(503, answer?.Status);
        Assert.True(answer!.IsProblem);
        Assert.Null(answer.Field("set-cookie"));
        Assert.Empty(rig.Seen(target));
        Assert.DoesNotContain(rig.Recorder.Requests, r => r.Fields.ContainsKey("x-injected"));
        await rig.AssertHealthyAsync(gateway, $"transform-{policy}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task ValidTransform_SetsItsHeader(int gatewayIndex)
    {
        var gateway = rig.Gateways[gatewayIndex];
        var target = $"/transformed/ok-{gatewayIndex}";

        var (status, body) = await gateway.GetAsync(target);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(RecordingUpstream.AnswerTo("GET", target), body);
        Assert.Equal("tagged", Assert.Single(rig.Seen(target)).Fields["x-tag"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task EncodedLineBreakInARewrittenPath_StaysEncoded_NoFieldInjected(int gatewayIndex)
    {
        var gateway = rig.Gateways[gatewayIndex];
        var marker = $"inj{gatewayIndex}";
        await using var client = await gateway.ConnectAsync();
        await client.SendAsync($"GET /rewrite/{marker}%0D%0AX-Injected:%20yes%0D%0A?q=%0D%0AX-Injected:%20yes HTTP/1.1\r\nHost: h\r\n\r\n");

        var answer = await client.ReadResponseAsync(TimeSpan.FromSeconds(20));

        var seen = Assert.Single(rig.Seen(marker));
        ReliabilityFigures.Record(output, "hostile HTTP", $"encoded CR LF in a rewritten path ({gateway.Name})",
            $"{answer?.Status}, upstream saw {seen.Target}", seen.Fields.ContainsKey("x-injected") ? "missed" : "met");
        Assert.Equal(200, answer?.Status);
        Assert.False(seen.Fields.ContainsKey("x-injected"));
        Assert.StartsWith($"/echo/rewritten/{marker}%0D%0AX-Injected:%20yes%0D%0A", seen.Target, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The policy's Accepted condition: its status and message.</summary>
    private static (string Status, string Message) Accepted(string statuses, string policy)
    {
        using var json = JsonDocument.Parse(statuses);
        foreach (var status in json.RootElement.EnumerateArray())
        {
            var o = status.GetProperty("object");
            if (o.GetProperty("kind").GetString() != "KonnectPolicy" || o.GetProperty("name").GetString() != policy) { continue; }
            var condition = status.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("type").GetString() == "Accepted");
            return (condition.GetProperty("status").GetString()!, condition.GetProperty("message").GetString() ?? "");
        }
        return ("absent", $"KonnectPolicy {policy} is not in /status");
    }
}
