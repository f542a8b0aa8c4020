namespace Konnect.Gateway.Ai.Formats;

/// <summary>
/// A provider reported an error inside a stream it had already begun with 200: the status is gone, so the caller can only
/// end the client's stream with an error of its own.
/// </summary>
internal sealed class ProviderStreamException(string message, string? errorType = null) : Exception(message)
{
    /// <summary>The provider's own name for the error (for Anthropic, e.g. overloaded_error), when it gave one.</summary>
    public string? ErrorType { get; } = errorType;
}
