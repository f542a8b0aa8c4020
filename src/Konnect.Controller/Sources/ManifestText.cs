using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Konnect.Controller.Sources;

/// <summary>
/// A manifest file's bytes as text. YAML is Unicode: a file that is not valid UTF-8 (nor UTF-16 or UTF-32 with a
/// byte order mark) is refused with where the first bad byte is. Decoding leniently instead turned each bad byte into
/// U+FFFD, silently: a key, a header value or a password then held a different value than the author wrote, and
/// kubectl would have refused the file.
/// </summary>
internal static class ManifestText
{
    /// <summary>The text, or null and <paramref name="problem"/> (with the 1-based line and column of the first bad byte).</summary>
    public static string? Decode(byte[] bytes, out int line, out int column, out string problem)
    {
        (line, column, problem) = (1, 1, "");
        if (HasUnicodeBom(bytes))
        {
            // UTF-16 and UTF-32 files name their encoding; the reader honours it, as YAML allows.
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            var status = Utf8.ToUtf16(bytes.AsSpan(start), chars, out var read, out var written, replaceInvalidSequences: false);
            if (status == OperationStatus.Done) { return new string(chars, 0, written); }
            var at = start + read;
            var before = bytes.AsSpan(0, at);
            line = before.Count((byte)'\n') + 1;
            var lineStart = before.LastIndexOf((byte)'\n') + 1;
            column = Encoding.UTF8.GetCharCount(bytes, lineStart, at - lineStart) + 1;
            problem = $"the file is not valid UTF-8 (byte 0x{bytes[at]:X2} at offset {at}); save it as UTF-8";
            return null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static bool HasUnicodeBom(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith([(byte)0xFF, (byte)0xFE]) || bytes.StartsWith([(byte)0xFE, (byte)0xFF]) || bytes.StartsWith([(byte)0, (byte)0, (byte)0xFE, (byte)0xFF]);
}
