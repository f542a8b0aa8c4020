namespace Konnect.Reliability.Tests;

/// <summary>
/// The parts that run a loaded `konnect` process (churn, open streams, soak) run one after another: on a 2-core
/// machine each would otherwise measure the others' load.
/// </summary>
[CollectionDefinition(nameof(KonnectUnderLoadCollection))]
public sealed class KonnectUnderLoadCollection;
