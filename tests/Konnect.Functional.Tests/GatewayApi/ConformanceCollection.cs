namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>One harness (one Konnect, the conformance backends) for every scenario: they run one at a time, as in the suite.</summary>
[CollectionDefinition(nameof(ConformanceCollection))]
public sealed class ConformanceCollection : ICollectionFixture<ConformanceHarness>;
