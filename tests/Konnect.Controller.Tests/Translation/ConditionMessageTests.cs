using Konnect.Controller.Sources;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation;

/// <summary>
/// Condition messages quote what manifests hold, found by the hostile-manifest run of issue #22: a CR/LF in a value
/// reached statuses, the log and `konnect validate` raw, where it split the line and could forge one of its own; a
/// megabyte value was repeated whole into each. Messages now escape control characters and stop at Kubernetes'
/// bound for a condition message.
/// </summary>
public sealed class ConditionMessageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-conditions-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Translate_ValueWithLineBreaksOrAMegabyte_MessageOnOneLineAndBounded()
    {
        var path = Path.Combine(_dir, "routes.yaml");
        File.WriteAllText(path, $$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: injected }
            spec:
              hosts: ["api.example.com\r\nwarn: forged line"]
              rules: [{ backends: [{ url: "http://a:80" }] }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: huge }
            spec:
              rules: [{ backends: [{ url: "http://a:80/{{new string('x', 1_000_000)}}?q" }] }]
            """);

        var statuses = Translator.Translate(ManifestSource.LoadPaths([path])).Statuses;

        var injected = Message(statuses, "injected");
        Assert.Contains("api.example.com\\u000d\\u000awarn: forged line", injected);
        Assert.DoesNotContain('\n', injected);
        var huge = Message(statuses, "huge");
        Assert.True(huge.Length <= SafeText.MaxMessage, $"{huge.Length} characters");
        Assert.EndsWith(" characters)", huge);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(101)]
    [InlineData(102)]
    public void SafeText_CutText_WithinItsBound_NoSurrogatePairOrEscapeSplit(int max)
    {
        var text = string.Concat(Enumerable.Repeat("a😀\n", 200));

        var safe = SafeText.Of(text, max);

        Assert.True(safe.Length <= max, $"{safe.Length} > {max}");
        Assert.EndsWith($"... ({text.Length} characters)", safe);
        var kept = safe[..safe.IndexOf("... (", StringComparison.Ordinal)];
        Assert.DoesNotContain('\n', kept);
        Assert.False(char.IsHighSurrogate(kept[^1]), "a surrogate pair was split");
        Assert.True(kept.EndsWith('a') || kept.EndsWith("😀", StringComparison.Ordinal) || kept.EndsWith("\\u000a", StringComparison.Ordinal), kept[^8..]);
    }

    [Fact]
    public void SafeText_Quote_ShortQuotedAndEscaped()
    {
        Assert.Equal("\"a\\u000d\\u000ab\"", SafeText.Quote("a\r\nb"));
        Assert.Equal("\"" + new string('x', SafeText.MaxQuoted) + "...\"", SafeText.Quote(new string('x', 1000)));
        Assert.Equal("\"\\ud83d\"", SafeText.Quote("\ud83d"));
    }

    private static string Message(IReadOnlyList<ObjectStatus> statuses, string name) =>
        statuses.Single(s => s.Object.Name == name).Conditions.Single(c => c.Type == ConditionTypes.Accepted && c.Status == "False").Message;
}
