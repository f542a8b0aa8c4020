using System.Threading.Channels;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Controller.Tests;

/// <summary>
/// Conditions the data plane reports (a JWKS it cannot load) reach the statuses the reconciler reports, and a change
/// to them is reported again on its own: no store change, no retranslation, no publish.
/// </summary>
public sealed class ReconcilerDataPlaneTests : IDisposable
{
    private static readonly ObjectRef Policy = new(KonnectPolicy.KindName, "shop", "jwt");
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-reconciler-").FullName;

    private static readonly Condition JwksDown = new()
    {
        Type = ConditionTypes.ResolvedRefs, Status = "False", Reason = DataPlaneReasons.JwksUnavailable,
        Message = "spec.authentication.jwt.jwksUri: http://127.0.0.1:1/jwks could not be loaded (connection refused)",
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task DataPlaneConditionChange_WithoutStoreChange_IsReportedAgainWithoutRetranslating()
    {
        var store = new ResourceStore();
        var publisher = new CountingPublisher();
        var sink = new RecordingSink();
        var conditions = new DataPlaneConditions();
        using var reconciler = new Reconciler(store, publisher, sink, NullLogger<Reconciler>.Instance, conditions);
        await reconciler.StartAsync(CancellationToken.None);
        try
        {
            store.Replace(Snapshot());
            var translated = ResolvedRefs(await sink.NextAsync());
            Assert.Equal(("True", "ResolvedRefs"), (translated.Status, translated.Reason));

            conditions.Set(Policy, JwksDown);
            var overlaid = ResolvedRefs(await sink.NextAsync());
            Assert.Equal(("False", DataPlaneReasons.JwksUnavailable), (overlaid.Status, overlaid.Reason));
            Assert.Contains("connection refused", overlaid.Message, StringComparison.Ordinal);
            Assert.Equal(translated.ObservedGeneration, overlaid.ObservedGeneration);

            conditions.Clear(Policy, ConditionTypes.ResolvedRefs);
            Assert.Equal(translated, ResolvedRefs(await sink.NextAsync()));
            Assert.Equal(1, publisher.Publishes); // both re-reports came without a pass
        }
        finally
        {
            await reconciler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task DataPlaneCondition_SetBeforeAPass_IsInThatPassesReport()
    {
        var store = new ResourceStore();
        var sink = new RecordingSink();
        var conditions = new DataPlaneConditions();
        conditions.Set(Policy, JwksDown);
        var reconciler = new Reconciler(store, new CountingPublisher(), sink, NullLogger<Reconciler>.Instance, conditions);

        var result = await reconciler.ReconcileAsync(Snapshot(), CancellationToken.None);

        Assert.Equal(DataPlaneReasons.JwksUnavailable, ResolvedRefs(await sink.NextAsync()).Reason);
        // The translation result itself stays the translator's: the overlay is only on what is reported.
        Assert.Equal("True", result.Statuses.Single(s => s.Object == Policy).Conditions.Single(c => c.Type == ConditionTypes.ResolvedRefs).Status);
    }

    [Fact]
    public void Overlay_OnAConditionTheTranslatorAlreadyFails_KeepsItsReasonAndAddsTheMessage()
    {
        var conditions = new DataPlaneConditions();
        conditions.Set(Policy, JwksDown);
        var translated = new ObjectStatus
        {
            Object = Policy,
            Generation = 3,
            Conditions =
            [
                new Condition { Type = ConditionTypes.Accepted, Status = "True", Reason = "Accepted", Message = "Policy is valid" },
                new Condition { Type = ConditionTypes.ResolvedRefs, Status = "False", Reason = "ConsumerNotFound", Message = "anonymous: not found" },
            ],
        };
        var other = translated with { Object = Policy with { Name = "other" } };

        var overlaid = conditions.Overlay([translated, other]);

        var resolved = ResolvedRefs(overlaid[0]);
        Assert.Equal("ConsumerNotFound", resolved.Reason);
        Assert.StartsWith("anonymous: not found; also spec.authentication.jwt.jwksUri", resolved.Message, StringComparison.Ordinal);
        Assert.Equal(translated.Conditions[0], overlaid[0].Conditions[0]);
        Assert.Same(other, overlaid[1]);
    }

    private static Condition ResolvedRefs(IReadOnlyList<ObjectStatus> statuses) => ResolvedRefs(statuses.Single(s => s.Object == Policy));

    private static Condition ResolvedRefs(ObjectStatus status) => status.Conditions.Single(c => c.Type == ConditionTypes.ResolvedRefs);

    private ResourceSnapshot Snapshot()
    {
        var path = Path.Combine(_dir, "jwt.yaml");
        File.WriteAllText(path, """
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: jwt, namespace: shop }
            spec:
              authentication: { jwt: { issuer: "https://idp.test", jwksUri: "http://127.0.0.1:1/jwks" } }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders, namespace: shop }
            spec:
              policies: [jwt]
              rules: [{ backends: [{ url: "http://127.0.0.1:1" }] }]
            """);
        return ManifestSource.LoadPaths([path]);
    }

    private sealed class RecordingSink : IStatusSink
    {
        private readonly Channel<IReadOnlyList<ObjectStatus>> _reports = Channel.CreateUnbounded<IReadOnlyList<ObjectStatus>>();

        public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken)
        {
            _reports.Writer.TryWrite(statuses);
            return ValueTask.CompletedTask;
        }

        public async Task<IReadOnlyList<ObjectStatus>> NextAsync() =>
            await _reports.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
