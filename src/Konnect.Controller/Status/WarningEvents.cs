using System.Globalization;
using k8s.Models;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>The Warning Events the status writers record on an object that is refused: shaped as client-go shapes them.</summary>
internal static class WarningEvents
{
    // The events.k8s.io API limits note to 1 kB.
    private const int MaxNoteLength = 1024;

    public static Eventsv1Event Create(ObjectRef r, string apiVersion, string? uid, string reason, string note, StatusWriterOptions options, DateTimeOffset now) => new()
    {
        // As client-go names events: the object's name and a unique suffix.
        Metadata = new V1ObjectMeta
        {
            Name = $"{r.Name}.{now.UtcTicks.ToString("x", CultureInfo.InvariantCulture)}{Guid.NewGuid().ToString("N")[..4]}",
            // A cluster-scoped object's (a GatewayClass's) Events go to "default", as client-go's recorder puts them.
            NamespaceProperty = r.Namespace.Length == 0 ? "default" : r.Namespace,
        },
        EventTime = now.UtcDateTime,
        ReportingController = options.ReportingController,
        ReportingInstance = options.ReportingInstance,
        Action = "Reconcile",
        Reason = reason,
        Type = "Warning",
        Note = Truncate(note),
        Regarding = new V1ObjectReference { ApiVersion = apiVersion, Kind = r.Kind, NamespaceProperty = r.Namespace.Length == 0 ? null : r.Namespace, Name = r.Name, Uid = uid },
    };

    /// <summary>The API server limits an Event note to 1024 bytes of UTF-8, not characters.</summary>
    public static string Truncate(string message)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(message) <= MaxNoteLength) { return message; }
        var length = Math.Min(message.Length, MaxNoteLength - 3);
        while (length > 0 && System.Text.Encoding.UTF8.GetByteCount(message.AsSpan(0, length)) > MaxNoteLength - 3) { length--; }
        if (length > 0 && char.IsHighSurrogate(message[length - 1])) { length--; }
        return message[..length] + "...";
    }
}
