using System.Text.RegularExpressions;
using Konnect.Testing;

namespace Konnect.Chart.Tests;

/// <summary>What `helm lint` would catch in charts/konnect, checked without helm: template structure, CRD copies.</summary>
public sealed class ChartTemplateTests
{
    [Fact]
    public void EveryTemplate_IsWellFormed()
    {
        var files = ChartFiles.TemplateFiles().ToList();
        Assert.True(files.Count >= 10, $"only {files.Count} templates found under {ChartFiles.Templates}");
        var problems = files.SelectMany(f => TemplateSyntax.Problems(File.ReadAllText(f)).Select(p => $"{Path.GetFileName(f)} {p}")).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [InlineData("a: {{ .Values.x }", "'{{' is not closed")]
    [InlineData("a: .Values.x }}", "'}}' with no '{{'")]
    [InlineData("{{- if .Values.x }}\na: 1\n", "'if' is never closed")]
    [InlineData("{{- range .Values.x }}\n{{- with . }}\n{{- end }}\n", "'range' is never closed")]
    [InlineData("a: 1\n{{- end }}\n", "'end' with nothing open")]
    [InlineData("{{- define \"x\" }}\n{{- else }}\n{{- end }}\n", "'else' outside")]
    [InlineData("{{/* a comment never closed }}\n", "'{{' is not closed")]
    public void MalformedTemplate_IsReported(string template, string expected)
    {
        var problems = TemplateSyntax.Problems(template);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void WellFormedTemplate_HasNoProblems()
    {
        const string template = """
            {{/* a comment: {{ is fine here */}}
            {{- if .Values.a }}
            {{- range $i, $v := .Values.b }}{{ $v }}{{ end }}
            {{- else if .Values.c }}
            {{- with .Values.d }}{{ . }}{{ else }}none{{ end }}
            {{- end }}
            """;
        Assert.Empty(TemplateSyntax.Problems(template));
    }

    [Fact]
    public void ChartCrds_AreByteIdenticalToTopLevelCrds()
    {
        var top = Directory.GetFiles(Path.Combine(Repo.Root, "crds"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var chart = Directory.GetFiles(Path.Combine(ChartFiles.Dir, "crds"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, top.Count);
        Assert.Equal(top, chart);
        foreach (var name in top)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(Repo.Root, "crds", name!)).SequenceEqual(File.ReadAllBytes(Path.Combine(ChartFiles.Dir, "crds", name!))),
                $"charts/konnect/crds/{name} differs from crds/{name}: run `make crds`");
        }
    }

    [Fact]
    public void Dashboard_IsShippedFromTheChartFile()
    {
        var template = File.ReadAllText(Path.Combine(ChartFiles.Templates, "dashboard-configmap.yaml"));
        Assert.Contains("grafana_dashboard: \"1\"", template, StringComparison.Ordinal);
        var file = Regex.Match(template, @"\.Files\.Get ""([^""]+)""").Groups[1].Value;
        Assert.True(File.Exists(Path.Combine(ChartFiles.Dir, file)), $".Files.Get \"{file}\" names no file in the chart");
    }
}
