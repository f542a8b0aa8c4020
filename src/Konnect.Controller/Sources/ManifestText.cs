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
        if (WideEncoding(bytes) is { } wide)
        {
            // UTF-16 and UTF-32 files name their encoding by their byte order mark, as YAML allows; held to it as strictly.
            var bom = wide.Preamble.Length;
            try
            {
                return wide.GetString(bytes, bom, bytes.Length - bom);
            }
            catch (DecoderFallbackException e)
            {
                problem = $"the file is not valid {wide.WebName.ToUpperInvariant()} (at offset {bom + Math.Max(0, e.Index)}); save it as UTF-8";
                return null;
            }
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
            var lineStart = Math.Max(start, before.LastIndexOf((byte)'\n') + 1);
            column = Encoding.UTF8.GetCharCount(bytes, lineStart, at - lineStart) + 1;
            problem = $"the file is not valid UTF-8 (byte 0x{bytes[at]:X2} at offset {at}); save it as UTF-8";
            return null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    // UTF-32's little-endian mark begins with UTF-16's, so it is tried first.
    private static Encoding? WideEncoding(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith([(byte)0xFF, (byte)0xFE, (byte)0, (byte)0]) ? new UTF32Encoding(bigEndian: false, byteOrderMark: true, throwOnInvalidCharacters: true)
        : bytes.StartsWith([(byte)0, (byte)0, (byte)0xFE, (byte)0xFF]) ? new UTF32Encoding(bigEndian: true, byteOrderMark: true, throwOnInvalidCharacters: true)
        : bytes.StartsWith([(byte)0xFF, (byte)0xFE]) ? new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true)
        : bytes.StartsWith([(byte)0xFE, (byte)0xFF]) ? new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true)
        : null;
}
