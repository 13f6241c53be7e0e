using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Lbdeploy.Tests.Debugging;

/// <summary>Reads a debug bundle back: every entry's name and text (an empty file's entry has no data stream).</summary>
internal static class BundleReader
{
    public static async Task<Dictionary<string, string>> ReadAsync(string archive)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var file = File.OpenRead(archive);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            using var reader = entry.DataStream is null ? null : new StreamReader(entry.DataStream, Encoding.UTF8);
            result.Add(entry.Name, reader is null ? "" : await reader.ReadToEndAsync());
        }
        return result;
    }
}
