using System.Text;
using Konnect.Controller.Sources;

namespace Konnect.Controller.Tests.Sources;

/// <summary>
/// Manifest files must be Unicode text of a bounded size, found by the hostile-manifest run of issue #22: an invalid
/// UTF-8 byte used to become U+FFFD without a word, so a value silently differed from what was written; now the file
/// is refused with where the byte is, as kubectl refuses it, and UTF-16 with a byte order mark still reads. And
/// `konnect validate` passed files larger than `konnect run` takes; now both refuse them.
/// </summary>
public sealed class ManifestEncodingTests : IDisposable
{
    private const string Secret = "apiVersion: v1\nkind: Secret\nmetadata: { name: key }\nstringData: { api-key: \"sk-\u00e9X\" }\n";
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-encoding-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public void LoadPaths_InvalidUtf8InAValue_FileRefusedWithLineAndColumn(byte[] bad)
    {
        var bytes = Encoding.UTF8.GetBytes(Secret);
        var at = Array.IndexOf(bytes, (byte)'X');
        var path = Path.Combine(_dir, "secret.yaml");
        File.WriteAllBytes(path, [.. bytes.AsSpan(0, at), .. bad, .. bytes.AsSpan(at + 1)]);

        var snapshot = ManifestSource.LoadPaths([path]);

        Assert.Empty(snapshot.Secrets);
        var problem = Assert.Single(snapshot.Problems);
        Assert.Equal($"{path}:4:29: the file is not valid UTF-8 (byte 0x{bad[0]:X2} at offset {at}); save it as UTF-8", problem.Message);
    }

    [Fact]
    public void LoadPaths_Utf16WithByteOrderMarkAndUtf8WithOne_Read()
    {
        File.WriteAllBytes(Path.Combine(_dir, "utf16.yaml"), [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Secret)]);
        File.WriteAllBytes(Path.Combine(_dir, "utf8.yaml"), [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Secret.Replace("name: key", "name: other", StringComparison.Ordinal))]);

        var snapshot = ManifestSource.LoadPaths([_dir]);

        Assert.Empty(snapshot.Problems);
        Assert.Equal(["other", "key"], snapshot.Secrets.Keys.Select(k => k.Name).OrderDescending());
        Assert.All(snapshot.Secrets.Values, s => Assert.Equal("sk-\u00e9X", s.StringData!["api-key"]));
    }

    [Fact]
    public void LoadPaths_Utf16WithALoneSurrogate_FileRefusedNotReplaced()
    {
        var bytes = Encoding.Unicode.GetBytes(Secret);
        var at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0x00;
        bytes[at + 1] = 0xD8; // a high surrogate followed by '"': no character
        var path = Path.Combine(_dir, "utf16.yaml");
        File.WriteAllBytes(path, [.. Encoding.Unicode.GetPreamble(), .. bytes]);

        var snapshot = ManifestSource.LoadPaths([path]);

        Assert.Empty(snapshot.Secrets);
        Assert.Contains("the file is not valid UTF-16 (at offset", Assert.Single(snapshot.Problems).Message);
    }

    [Fact]
    public void LoadPaths_InvalidUtf8OnTheFirstLineAfterAByteOrderMark_ColumnCountsFromTheText()
    {
        var path = Path.Combine(_dir, "bom.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetPreamble(), .. "kind: "u8, 0xFF, .. "\n"u8]);

        var problem = Assert.Single(ManifestSource.LoadPaths([path]).Problems);

        Assert.StartsWith($"{path}:1:7: the file is not valid UTF-8 (byte 0xFF at offset 9)", problem.Message);
    }

    [Fact]
    public void LoadPaths_FileLargerThanRunTakes_RefusedAsRunRefusesIt()
    {
        var path = Path.Combine(_dir, "big.yaml");
        var limit = new ManifestSourceOptions().MaxFileBytes;
        File.WriteAllText(path, Secret + "# " + new string('x', (int)limit) + "\n");

        var snapshot = ManifestSource.LoadPaths([path]);

        Assert.Empty(snapshot.Secrets);
        Assert.StartsWith($"{path}:1:1: the file is {new FileInfo(path).Length} bytes, more than the {limit} a manifest file may have", Assert.Single(snapshot.Problems).Message);
    }
}
