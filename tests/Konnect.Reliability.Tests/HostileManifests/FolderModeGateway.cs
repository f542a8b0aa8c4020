using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Konnect.Reliability.Tests.Infrastructure;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// The real `konnect run --manifests` (the binary, so a crash is a process that ends) serving the samples
/// (<see cref="BaselineFolder"/>) with the mutants of one batch beside them in zz-mutants/. A batch is applied when a
/// marker route written after its files shows in /status: the watcher reports files in the order they were written,
/// so the reload that reads the marker has read every mutant before it.
/// </summary>
internal sealed class FolderModeGateway : IAsyncDisposable
{
    public const string MutantFolderName = "zz-mutants";
    private readonly KonnectProcess _konnect;

    private FolderModeGateway(string folder, KonnectProcess konnect)
    {
        Folder = folder;
        _konnect = konnect;
    }

    public string Folder { get; }
    public string MutantFolder => Path.Combine(Folder, MutantFolderName);
    public int Traffic => _konnect.Traffic;
    public int Admin => _konnect.Admin;
    /// <summary>A client that shows answers as they are: redirects are not followed, cookies not kept.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
    public bool Exited => _konnect.HasExited;

    /// <summary>How much Konnect has written so far; what it writes after a point is <see cref="OutputSince"/>.</summary>
    public int OutputLength => _konnect.OutputLength;

    public string OutputSince(int offset) => _konnect.OutputSince(offset);

    public static async Task<FolderModeGateway> StartAsync(string folder, EchoUpstreams upstreams)
    {
        BaselineFolder.Write(folder, upstreams.Ports);
        Directory.CreateDirectory(Path.Combine(folder, MutantFolderName));
        // Its whole log: the test reads the problem lines each batch makes.
        return new FolderModeGateway(folder, await KonnectProcess.StartAsync(folder, readySeconds: 120, fullLog: true));
    }

    /// <summary>
    /// Replaces the mutants in zz-mutants/ with <paramref name="mutants"/>, then writes the marker of
    /// <paramref name="batch"/> and waits until /status shows it. Returns how long from the first file written to the
    /// batch applied.
    /// </summary>
    public async Task<TimeSpan> ApplyAsync(int batch, IReadOnlyList<Mutant> mutants, TimeSpan deadline)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var file in Directory.EnumerateFiles(MutantFolder)) { File.Delete(file); }
        foreach (var mutant in mutants) { WriteInPlace(Path.Combine(MutantFolder, mutant.FileName), mutant.Bytes); }
        var name = "marker-" + batch.ToString(CultureInfo.InvariantCulture);
        WriteInPlace(Path.Combine(Folder, "zz-marker.yaml"), Encoding.UTF8.GetBytes($$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: {{name}}, namespace: zz-marker }
            spec:
              hosts: [marker.test]
              rules: [{ backends: [{ url: "http://127.0.0.1:9" }] }]
            """));
        while (true)
        {
            if (Exited) { throw new InvalidOperationException($"konnect exited while applying batch {batch}"); }
            if ((await StatusesAsync()).Any(s => s.Object.Name == name)) { return Stopwatch.GetElapsedTime(started); }
            if (Stopwatch.GetElapsedTime(started) > deadline) { throw new TimeoutException($"batch {batch} not applied within {deadline.TotalSeconds} s"); }
            await Task.Delay(20);
        }
    }

    /// <summary>Writes a file as a ConfigMap volume or `kubectl cp` would leave it: complete, renamed into place.</summary>
    private static void WriteInPlace(string path, byte[] bytes)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>/status: every object's conditions as the gateway last judged them.</summary>
    public async Task<IReadOnlyList<ServedStatus>> StatusesAsync()
    {
        await using var body = await Http.GetStreamAsync($"http://127.0.0.1:{Admin}/status");
        using var document = await JsonDocument.ParseAsync(body);
        return document.RootElement.EnumerateArray().Select(ServedStatus.From).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _konnect.DisposeAsync();
        Http.Dispose();
    }
}

/// <summary>One object's entry in /status.</summary>
internal sealed record ServedStatus(ServedObject Object, IReadOnlyList<ServedCondition> Conditions, string Json)
{
    public static ServedStatus From(JsonElement element)
    {
        var o = element.GetProperty("object");
        var conditions = element.TryGetProperty("conditions", out var list)
            ? list.EnumerateArray().Select(c => new ServedCondition(Text(c, "type"), Text(c, "status"), Text(c, "reason"), Text(c, "message"))).ToList()
            : [];
        return new ServedStatus(new ServedObject(Text(o, "kind"), Text(o, "namespace"), Text(o, "name")), conditions, element.GetRawText());
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}

internal sealed record ServedObject(string Kind, string Namespace, string Name);

internal sealed record ServedCondition(string Type, string Status, string Reason, string Message);
