using System.Globalization;
using System.Net;
using Konnect.Gateway;
using Konnect.Testing;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>The hostile-HTTP tests share one rig: they run one after another, and each leaves the gateways as it found them.</summary>
[CollectionDefinition(Name)]
public sealed class HostileHttpCollection : ICollectionFixture<HostileHttpRig>
{
    public const string Name = "hostile HTTP";
}

/// <summary>
/// Two Konnects in folder mode on the same manifests, one with Konnect's HTTP/1.1 forwarder (plain rules go through
/// it) and one with YARP's for everything, in front of a recording Kestrel upstream and a hostile raw-socket one.
/// The client limits are short, so the slow-client cases take seconds.
/// </summary>
public sealed class HostileHttpRig : IAsyncLifetime
{
    /// <summary>The limits the rig's gateways run with (what `konnect run` would be given).</summary>
    public static readonly ClientLimits Limits = new()
    {
        MaxRequestBodySize = 64 * 1024,
        RequestHeadersTimeout = TimeSpan.FromSeconds(2),
        KeepAliveTimeout = TimeSpan.FromSeconds(2),
        MinRequestBodyDataRate = 240,
        MinRequestBodyDataRateGrace = TimeSpan.FromSeconds(2),
    };

    /// <summary>The rule timeout of /hostile: a hostile upstream holds a request at most this long without activity.</summary>
    public static readonly TimeSpan HostileTimeout = TimeSpan.FromSeconds(3);

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-hostile-http-").FullName;

    public RecordingUpstream Recorder { get; private set; } = null!;

    public HostileUpstream Hostile { get; private set; } = null!;

    /// <summary>The Konnect-forwarder gateway first, then the YARP-forwarder one.</summary>
    public IReadOnlyList<KonnectUnderTest> Gateways { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Recorder = await RecordingUpstream.StartAsync();
        Hostile = HostileUpstream.Start(HostileAnswers.For);
        await File.WriteAllTextAsync(Path.Combine(_dir, "routes.yaml"), Manifests(Recorder.Port, Hostile.Port));
        Gateways =
        [
            await KonnectUnderTest.StartAsync(_dir, ForwarderKind.Konnect, Limits),
            await KonnectUnderTest.StartAsync(_dir, ForwarderKind.Yarp, Limits),
        ];
        foreach (var gateway in Gateways)
        {
            await Repo.EventuallyAsync(async () => await gateway.HealthyAsync() && (await gateway.GetAsync("/echo/ready")).Status == HttpStatusCode.OK
                && (await gateway.GetAsync("/transformed/ready")).Status == HttpStatusCode.OK, $"{gateway.Name} serving the rig's routes");
        }
    }

    /// <summary>Each case with each gateway (0: Konnect's forwarder, 1: YARP's), as a theory's rows.</summary>
    public static TheoryData<string, int> WithEachGateway(IEnumerable<string> cases)
    {
        var data = new TheoryData<string, int>();
        foreach (var name in cases)
        {
            data.Add(name, 0);
            data.Add(name, 1);
        }
        return data;
    }

    /// <summary>After a hostile case: a normal request still gets its own answer, and /healthz and /readyz are green.</summary>
    public async Task AssertHealthyAsync(KonnectUnderTest gateway, string after)
    {
        var target = $"/echo/after-{after}-{Guid.NewGuid():N}";
        var (status, body) = await gateway.GetAsync(target);
        Assert.True(status == HttpStatusCode.OK && body == RecordingUpstream.AnswerTo("GET", target),
            $"{gateway.Name}, after {after}: a normal request got {(int)status} {body}");
        Assert.True(await gateway.HealthyAsync(), $"{gateway.Name}, after {after}: /healthz or /readyz is not 200");
    }

    /// <summary>Requests the recording upstream parsed whose target contains <paramref name="marker"/>.</summary>
    public IReadOnlyList<RecordedRequest> Seen(string marker) =>
        Recorder.Requests.Where(r => r.Target.Contains(marker, StringComparison.Ordinal)).ToList();

    private static string Manifests(int recorder, int hostile) => string.Format(CultureInfo.InvariantCulture, """
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: {{ name: tagged }}
        spec:
          requestTransform:
            headers:
              set: [{{ name: X-Tag, value: tagged }}]
        ---
        # A value with CR LF would split the upstream request into two fields: the translator must refuse it.
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: {{ name: crlf }}
        spec:
          requestTransform:
            headers:
              set: [{{ name: X-Tag, value: "a\r\nX-Injected: yes" }}]
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: {{ name: crlf-response }}
        spec:
          responseTransform:
            headers:
              add: [{{ name: X-Tag, value: "a\r\nSet-Cookie: injected=yes" }}]
        ---
        # Control characters and bytes beyond ASCII cannot be sent in a field either.
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: {{ name: control }}
        spec:
          requestTransform:
            headers:
              set: [{{ name: X-Tag, value: "a\x01b" }}]
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: {{ name: latin }}
        spec:
          responseTransform:
            headers:
              set: [{{ name: X-Tag, value: "caf\u00e9" }}]
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: {{ name: hostile-http }}
        spec:
          rules:
            - matches: [{{ path: {{ value: /echo }} }}]
              backends: [{{ url: "http://127.0.0.1:{0}" }}]
              timeout: 10s
            - matches: [{{ path: {{ value: /rewrite }} }}]
              rewrite: {{ pathPrefix: /echo/rewritten }}
              backends: [{{ url: "http://127.0.0.1:{0}" }}]
            - matches: [{{ path: {{ value: /transformed }} }}]
              policies: [tagged]
              backends: [{{ url: "http://127.0.0.1:{0}" }}]
            - matches: [{{ path: {{ value: /crlf-request }} }}]
              policies: [crlf]
              backends: [{{ url: "http://127.0.0.1:{0}" }}]
            - matches: [{{ path: {{ value: /crlf-response }} }}]
              policies: [crlf-response]
              backends: [{{ url: "http://127.0.0.1:{0}" }}]
            - matches: [{{ path: {{ value: /control }} }}]
              policies: [control]
              backends: [{{ url: "http://127.0.0.1:{0}" }}]
            - matches: [{{ path: {{ value: /latin }} }}]
              policies: [latin]
              backends: [{{ url: "http://127.0.0.1:{0}" }}]
            - matches: [{{ path: {{ value: /hostile }} }}]
              backends: [{{ url: "http://127.0.0.1:{1}" }}]
              timeout: {2}s
        """, recorder, hostile, (int)HostileTimeout.TotalSeconds);

    public async Task DisposeAsync()
    {
        foreach (var gateway in Gateways) { await gateway.DisposeAsync(); }
        await Hostile.DisposeAsync();
        await Recorder.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
