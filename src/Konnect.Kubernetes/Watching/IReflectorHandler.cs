using k8s;
using IKubernetesObject = Konnect.Api.Kubernetes.IKubernetesObject;
using Konnect.Api.Kubernetes;

namespace Konnect.Kubernetes.Watching;

/// <summary>Receives what a <see cref="Reflector{T}"/> learns. Called from one task at a time per reflector.</summary>
public interface IReflectorHandler<in T> where T : class, IKubernetesObject
{
    /// <summary>A complete list: the handler's view of this kind becomes exactly these objects.</summary>
    void Replace(IReadOnlyList<T> items);

    void Upsert(T item);

    void Delete(T item);
}

/// <summary>What happened to a reflector, for logs, metrics and readiness.</summary>
public interface IReflectorObserver
{
    void Listed(string resource, int count);
    void Event(string resource, WatchEventType type);
    void Restarted(string resource, string reason, TimeSpan delay);
}
