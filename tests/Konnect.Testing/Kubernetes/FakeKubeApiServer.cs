using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Api.Kubernetes;
using Konnect.Kubernetes;
using Konnect.Kubernetes.Config;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Konnect.Testing.Kubernetes;

public sealed record FakeKubeApiServerOptions
{
    /// <summary>Serve https with a fresh self-signed certificate (see <see cref="FakeKubeApiServer.Certificate"/>); HTTP/2 is then negotiated.</summary>
    public bool UseHttps { get; init; }
    /// <summary>Send BOOKMARK events this often to watches that allow them; null sends them only on <see cref="FakeKubeApiServer.SendBookmarks"/>.</summary>
    public TimeSpan? BookmarkInterval { get; init; }
    /// <summary>How many events are kept for watches to resume from; a watch from before them gets 410 Expired.</summary>
    public int HistoryLimit { get; init; } = 1000;
    /// <summary>Write each watch event in pieces of this many bytes, flushing between them, so clients meet split reads.</summary>
    public int? WatchWriteChunkBytes { get; init; }
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
    /// <summary>
    /// Listen on this port instead of an ephemeral one: pick it with TestPorts.Free() for a server that stops for long,
    /// so that no outgoing connection (nor a client connecting to itself, which a loopback port in the ephemeral range
    /// allows) holds the port when <see cref="FakeKubeApiServer.RestartAsync"/> binds it again.
    /// </summary>
    public int? Port { get; init; }
    /// <summary>Checks each request's Authorization header (null when absent); false answers 401 Unauthorized, as for an expired token.</summary>
    public Func<string?, bool>? Authenticate { get; init; }
}

/// <summary>What the fake saw of one request, for assertions (the Authorization header included: it is a fake).</summary>
public sealed record FakeKubeRequest(string Method, string Path, string Query, string? Authorization, string? ClientCertificateSubject,
    string? UserAgent, string? Accept, string Protocol);

/// <summary>
/// A fake Kubernetes API server for tests: real Kestrel on 127.0.0.1, speaking the real REST and watch protocol over
/// a generic JSON store (get, list with limit/continue and selectors, watch with resourceVersion, bookmarks and
/// 410 Expired, create, replace with optimistic concurrency, merge patch of status), plus controls to misbehave on purpose.
/// </summary>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    private readonly FakeKubeApiServerOptions _options;
    private readonly FakeKubeStore _store;
    private readonly ConcurrentQueue<FakeKubeRequest> _requests = new();
    private readonly ConcurrentQueue<(JsonObject Status, string? RetryAfter)> _forcedResponses = new();
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private ITimer? _bookmarkTimer;
    private volatile bool _available = true;

    private FakeKubeApiServer(FakeKubeApiServerOptions options)
    {
        _options = options;
        _store = new FakeKubeStore(options.HistoryLimit, options.TimeProvider);
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:43121.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The self-signed server certificate when <see cref="FakeKubeApiServerOptions.UseHttps"/>; trust it as the CA.</summary>
    public X509Certificate2? Certificate { get; private set; }

    /// <summary>The newest resourceVersion the store handed out.</summary>
    public string ResourceVersion => _store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public int OpenWatchCount => _store.OpenWatchCount;

    public static async Task<FakeKubeApiServer> StartAsync(FakeKubeApiServerOptions? options = null)
    {
        var server = new FakeKubeApiServer(options ?? new FakeKubeApiServerOptions());
        await server.StartHostAsync(server._options.Port ?? 0);
        return server;
    }

    /// <summary>A client configuration for this server: its URL, its certificate as the CA, and an optional token.</summary>
    public KubeConfig CreateClientConfig(string? token = null) => new(new k8s.KubernetesClientConfiguration
    {
        Host = Url.ToString(),
        SslCaCerts = Certificate is null ? null : [X509CertificateLoader.LoadCertificate(Certificate.Export(X509ContentType.Cert))],
        AccessToken = token,
        Namespace = "default",
    }, "fake API server");

    /// <summary>Stops listening: connections are refused, as when the API server process is down. State is kept.</summary>
    public async Task StopAsync()
    {
        _store.DropWatches();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
        _bookmarkTimer?.Dispose();
    }

    /// <summary>Listens again on the same port (and certificate) after <see cref="StopAsync"/>, with every object kept.</summary>
    public Task RestartAsync() => _app is null ? StartHostAsync(Url.Port) : Task.CompletedTask;

    private async Task StartHostAsync(int port = 0)
    {
        if (_options.UseHttps && Certificate is null)
        {
            Certificate = CreateSelfSignedCertificate();
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            if (Certificate is not null)
            {
                listen.UseHttps(Certificate, https =>
                {
                    // Accept any client certificate so tests can see which one the client presented.
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                });
            }
        }));
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(address);
        if (_options.BookmarkInterval is { } interval)
        {
            _bookmarkTimer = _options.TimeProvider.CreateTimer(_ => _store.SendBookmarks(), null, interval, interval);
        }
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fake-kube-apiserver", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        // Self-signed and its own trust anchor, like a kind/k3d cluster CA that directly signs the serving certificate.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
    }

    // ---- Controls -------------------------------------------------------------------------------------------

    /// <summary>Cuts every open watch connection abruptly, as an API server restart or a proxy timeout does.</summary>
    public void DropWatches() => _store.DropWatches();

    /// <summary>When false, every request gets 503 ServiceUnavailable and open watches are dropped.</summary>
    public void SetAvailable(bool available)
    {
        _available = available;
        if (!available)
        {
            _store.DropWatches();
        }
    }

    /// <summary>Forgets the event history: the next watch from any older resourceVersion gets 410 Expired.</summary>
    public void CompactHistory() => _store.CompactHistory();

    /// <summary>Sends a BOOKMARK with the current resourceVersion to every watch that allows bookmarks.</summary>
    public void SendBookmarks() => _store.SendBookmarks();

    /// <summary>
    /// Answers the next request (whatever it is) with this error Status; <paramref name="retryAfter"/> is sent verbatim
    /// as the Retry-After header (seconds or an HTTP date).
    /// </summary>
    public void ForceNextResponse(int code, string reason, string message = "forced by the test", string? retryAfter = null)
    {
        _forcedResponses.Enqueue((FakeKubeError.Status(code, reason, message), retryAfter));
    }

    // ---- Editing objects server-side (as kubectl would) ---------------------------------------------------------

    /// <summary>Creates or replaces (no resourceVersion check) an object; <paramref name="collectionPath"/> is e.g. /api/v1/services.</summary>
    public JsonObject Put(string collectionPath, JsonObject obj)
    {
        var resource = FakeResource.FromCollectionPath(collectionPath);
        var metadata = FakeKubeStore.Metadata(obj);
        var ns = resource.ClusterScoped ? null : metadata["namespace"]?.GetValue<string>();
        var name = metadata["name"]?.GetValue<string>() ?? throw new ArgumentException("The object needs metadata.name.", nameof(obj));
        return _store.Get(resource, ns, name) is null
            ? _store.Create(resource, ns, obj)
            : _store.Replace(resource, ns, name, obj, checkResourceVersion: false);
    }

    public T Put<T>(ResourceType<T> type, T obj) where T : class, IKubernetesObject =>
        ToTyped(type, Put(CollectionPath(type), JsonSerializer.SerializeToNode(obj, type.TypeInfo)!.AsObject()));

    public JsonObject? Get(string collectionPath, string? ns, string name) => _store.Get(FakeResource.FromCollectionPath(collectionPath), ns, name);

    public T? Get<T>(ResourceType<T> type, string? ns, string name) where T : class, IKubernetesObject =>
        Get(CollectionPath(type), ns, name) is { } obj ? ToTyped(type, obj) : null;

    /// <summary>Deletes an object; false when it did not exist.</summary>
    public bool Delete(string collectionPath, string? ns, string name)
    {
        try
        {
            _store.Delete(FakeResource.FromCollectionPath(collectionPath), ns, name);
            return true;
        }
        catch (FakeKubeError error) when (error.Code == 404)
        {
            return false;
        }
    }

    public bool Delete<T>(ResourceType<T> type, string? ns, string name) where T : class, IKubernetesObject => Delete(CollectionPath(type), ns, name);

    private static string CollectionPath<T>(ResourceType<T> type) where T : class, IKubernetesObject => $"{type.GroupPath}/{type.Plural}";

    private static T ToTyped<T>(ResourceType<T> type, JsonObject obj) where T : class, IKubernetesObject => obj.Deserialize(type.TypeInfo)!;

    // ---- Request log ----------------------------------------------------------------------------------------

    public IReadOnlyList<FakeKubeRequest> Requests => [.. _requests];

    /// <summary>How many requests used <paramref name="method"/> on a path ending with <paramref name="pathSuffix"/> (e.g. "/status").</summary>
    public int CountRequests(string method, string? pathSuffix = null) =>
        _requests.Count(r => r.Method == method && (pathSuffix is null || r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)));

    public void ClearRequests() => _requests.Clear();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await StopAsync();
        Certificate?.Dispose();
        _stopping.Dispose();
    }
}
