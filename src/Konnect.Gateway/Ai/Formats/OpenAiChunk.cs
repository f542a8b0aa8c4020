using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>
/// What the relay needs to know of an OpenAI chat.completion.chunk it passes through unchanged: whether it carries
/// content (the first one is the time to first token), its usage, whether it is the usage-only chunk, the model, a
/// failure reported inside the stream, and the generated text (counted when the provider reports no usage). Read in one
/// pass of a <see cref="Utf8JsonReader"/> over the event's bytes: building a JsonNode tree of every event cost about
/// 17 µs each, most of the relay's time per event.
/// </summary>
internal struct OpenAiChunk
{
    public bool HasContent;
    public bool UsageOnly;
    public TokenUsage? Usage;
    public string? Model;
    public string? Error;

    /// <summary>Reads <paramref name="utf8"/>, appending its generated text to <paramref name="text"/>.</summary>
    /// <param name="wantModel">False once the call knows its response model: the string is not made again for every event.</param>
    /// <returns>False when the event is not a JSON object (the relay skips it).</returns>
    /// <exception cref="JsonException">The event is not valid JSON.</exception>
    public static bool TryRead(ReadOnlySpan<byte> utf8, bool wantModel, StringBuilder text, out OpenAiChunk chunk)
    {
        chunk = default;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            // Still read to the end, so that a malformed event fails as one would when parsed whole.
            while (reader.Read()) { }
            return false;
        }
        var choices = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                choices = reader.TokenType == JsonTokenType.StartArray ? ReadChoices(ref reader, text, ref chunk) : Skip(ref reader, -1);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject) { chunk.Usage = ReadUsage(ref reader); }
                else { reader.Skip(); }
            }
            else if (wantModel && reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) { chunk.Model = reader.GetString(); }
                else { reader.Skip(); }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject) { chunk.Error = ReadErrorMessage(ref reader) ?? "the provider reported an error"; }
                else { reader.Skip(); }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        // Trailing bytes after the object make the event invalid, as they would for a parser of the whole text.
        while (reader.Read()) { }
        // A usage report and nothing else: the chunk include_usage asks for.
        chunk.UsageOnly = choices == 0 && chunk.Usage is not null;
        return true;
    }

    private static int ReadChoices(ref Utf8JsonReader reader, StringBuilder text, ref OpenAiChunk chunk)
    {
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var delta = reader.ValueTextEquals("delta"u8);
                reader.Read();
                if (delta && reader.TokenType == JsonTokenType.StartObject) { ReadDelta(ref reader, text, ref chunk); }
                else { reader.Skip(); }
            }
        }
        return count;
    }

    private static void ReadDelta(ref Utf8JsonReader reader, StringBuilder text, ref OpenAiChunk chunk)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && AppendString(ref reader, text) > 0) { chunk.HasContent = true; }
                else { reader.Skip(); }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                chunk.HasContent = true;
                // Each call's function.arguments is generated text too.
                var depth = reader.CurrentDepth;
                while (reader.Read() && reader.CurrentDepth > depth)
                {
                    if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("arguments"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String) { AppendString(ref reader, text); }
                        else { reader.Skip(); }
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static TokenUsage? ReadUsage(ref Utf8JsonReader reader)
    {
        long? input = null, output = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isInput = reader.ValueTextEquals("prompt_tokens"u8);
            var isOutput = !isInput && reader.ValueTextEquals("completion_tokens"u8);
            reader.Read();
            if ((isInput || isOutput) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n))
            {
                if (isInput) { input = n; } else { output = n; }
            }
            else { reader.Skip(); }
        }
        return input is null && output is null ? null : new TokenUsage(input ?? 0, output ?? 0);
    }

    private static string? ReadErrorMessage(ref Utf8JsonReader reader)
    {
        string? message = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isMessage && reader.TokenType == JsonTokenType.String) { message = reader.GetString(); }
            else { reader.Skip(); }
        }
        return message;
    }

    /// <summary>Skips the value the reader is on and answers <paramref name="result"/>.</summary>
    private static int Skip(ref Utf8JsonReader reader, int result)
    {
        reader.Skip();
        return result;
    }

    /// <summary>Appends the string the reader is on, unescaped, without making a string of it.</summary>
    /// <returns>Its length in chars.</returns>
    private static int AppendString(ref Utf8JsonReader reader, StringBuilder text)
    {
        var raw = reader.ValueSpan.Length;
        if (raw == 0) { return 0; }
        // UTF-8 never takes fewer bytes than UTF-16 takes chars, and escapes only shrink: the raw length is enough.
        char[]? rented = null;
        var buffer = raw <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(raw));
        var length = reader.CopyString(buffer);
        text.Append(buffer[..length]);
        if (rented is not null) { ArrayPool<char>.Shared.Return(rented); }
        return length;
    }
}
