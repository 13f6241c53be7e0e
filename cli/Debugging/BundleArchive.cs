using System.Formats.Tar;
using System.IO.Compression;

namespace Lbdeploy.Debugging;

/// <summary>One file to put into the bundle: its path below the bundle's folder and the file it is read from (its last <see cref="Length"/> bytes).</summary>
public sealed record BundleEntry(string ArchivePath, string SourcePath, long Length, bool Truncated);

/// <summary>
/// Writes the bundle as one gzip-compressed tar (System.Formats.Tar, PAX entries): every file under one folder named
/// like the archive, manifest.json first. Written next to the target and renamed, so the target is whole or absent.
/// </summary>
public static class BundleArchive
{
    /// <summary>The entry for <paramref name="source"/>, keeping only its last <paramref name="maxBytes"/> bytes of a longer file.</summary>
    public static BundleEntry Entry(string archivePath, string source, long maxBytes)
    {
        var length = new FileInfo(source).Length;
        return new BundleEntry(archivePath, source, Math.Min(length, maxBytes), length > maxBytes);
    }

    public static async Task WriteAsync(string path, string folder, byte[] manifest, IReadOnlyList<BundleEntry> entries, CancellationToken ct)
    {
        var temp = path + ".partial";
        try
        {
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
            await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
            {
                var now = DateTimeOffset.UtcNow;
                await tar.WriteEntryAsync(FileEntry($"{folder}/{BundleManifest.FileName}", new MemoryStream(manifest), now), ct);
                foreach (var entry in entries)
                {
                    await using var source = new FileStream(entry.SourcePath, FileMode.Open, FileAccess.Read);
                    // The file may have grown since it was measured (a live log): the entry takes exactly the measured
                    // length, from the end of what the file held then.
                    var start = Math.Max(0, source.Length - entry.Length);
                    source.Seek(start, SeekOrigin.Begin);
                    var data = new MemoryStream(checked((int)entry.Length));
                    await CopyAsync(source, data, entry.Length, ct);
                    data.Position = 0;
                    await tar.WriteEntryAsync(FileEntry($"{folder}/{entry.ArchivePath}", data, now), ct);
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static PaxTarEntry FileEntry(string name, Stream data, DateTimeOffset time) => new(TarEntryType.RegularFile, name)
    {
        DataStream = data,
        ModificationTime = time,
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
    };

    private static async Task CopyAsync(Stream from, Stream to, long count, CancellationToken ct)
    {
        var buffer = new byte[81920];
        while (count > 0)
        {
            var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), ct);
            if (read == 0) break;
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
            count -= read;
        }
    }
}
