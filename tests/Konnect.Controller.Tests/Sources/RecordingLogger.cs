using Konnect.Controller.Sources;
using Microsoft.Extensions.Logging;

namespace Konnect.Controller.Tests.Sources;

/// <summary>Keeps every line a <see cref="ManifestSource"/> logs, as "Level: message".</summary>
internal sealed class RecordingLogger : ILogger<ManifestSource>
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines) { Lines.Add($"{logLevel}: {formatter(state, exception)}"); }
    }
}
