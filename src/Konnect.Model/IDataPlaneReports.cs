using Konnect.Api.Kubernetes;

namespace Konnect.Model;

/// <summary>
/// What only the data plane learns at run time (a JWKS it could not load, a Redis that does not answer), told back to
/// the control plane as conditions on the objects concerned. The translator is pure and does no I/O, so this is the
/// one way such facts reach statuses; the control plane lays them over its own conditions and reports again.
/// Implementations are thread-safe; a condition set again unchanged costs nothing.
/// </summary>
public interface IDataPlaneReports
{
    /// <summary>Sets the data plane's condition of <paramref name="condition"/>'s type on <paramref name="obj"/>.</summary>
    void Set(ObjectRef obj, Condition condition);

    /// <summary>Removes the data plane's condition of <paramref name="type"/> from <paramref name="obj"/>: the control plane's stands again.</summary>
    void Clear(ObjectRef obj, string type);
}

/// <summary>The newest status of every object, as the control plane last reported it: what the admin /status serves.</summary>
public interface IObjectStatuses
{
    IReadOnlyList<ObjectStatus> Current { get; }
}

/// <summary>Condition reasons only the data plane reports.</summary>
public static class DataPlaneReasons
{
    /// <summary>ResolvedRefs reason: a jwt policy's JWKS could not be loaded a first time.</summary>
    public const string JwksUnavailable = "JwksUnavailable";
}
