using System.Text.Json;
using System.Text.Json.Serialization;

namespace Konnect.Api.Json;

/// <summary>
/// Reads every string (values and dictionary keys) of the API types through <see cref="StringPool"/>, so thousands of
/// decoded objects share one "default", "TCP" or "kubernetes.io/service-name". Writing is unchanged.
/// </summary>
public sealed class PooledStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String or JsonTokenType.PropertyName => Pooled(ref reader),
        JsonTokenType.Null => null,
        // No message: System.Text.Json then writes its own "could not be converted to System.String" with the path.
        _ => throw new JsonException(),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Pooled(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    // CopyString validates the UTF-8 and unescapes, as GetString does; a value of at most MaxLength bytes is at most
    // MaxLength chars, so it fits the stack buffer. Longer ones are not pooled.
    private static string Pooled(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > StringPool.MaxLength) { return reader.GetString()!; }
        Span<char> chars = stackalloc char[StringPool.MaxLength];
        return StringPool.Get(chars[..reader.CopyString(chars)]);
    }
}
