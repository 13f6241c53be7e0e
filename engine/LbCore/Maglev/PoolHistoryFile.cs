using System.Buffers.Binary;

namespace Lb.Core.Maglev;

/// <summary>
/// The mux's pool history on disk, so a restarted mux keeps its second chance: little-endian "LBPH", format 1 (u16),
/// reserved (u16), table size (i32), seed (u32), version count (i32), then per version its number (i64), retirement
/// time (i64, Unix ms) and the owner of every slot (u32 each). Written to a temporary file and renamed over the old
/// one, so a reader sees the old file or the new one, never half of one.
/// </summary>
public static class PoolHistoryFile
{
    private const uint Magic = 0x4850424C; // "LBPH"
    private const ushort Format = 1;
    private const int HeaderLength = 20;
    private const int VersionHeaderLength = 16;

    /// <summary>
    /// Where a mux keeps its history: beside its control socket (<c>/run/lbdeploy/sockets/h1-mux.pool-history</c>), in
    /// the runtime directory the engine already checks is root's. Not beside the config: lbdeploy apply deletes every
    /// file of the plan directory that is not part of the plan.
    /// </summary>
    public static string PathFor(string controlSocket) => Path.ChangeExtension(controlSocket, ".pool-history");

    public static byte[] Serialize(PoolHistory history)
    {
        var size = history.TableSize;
        var bytes = new byte[HeaderLength + history.Versions.Count * (VersionHeaderLength + 4L * size)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Format);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], size);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], history.Seed);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], history.Versions.Count);
        var offset = HeaderLength;
        foreach (var version in history.Versions)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[offset..], version.Version);
            BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 8)..], version.RetiredAt.ToUnixTimeMilliseconds());
            offset += VersionHeaderLength;
            foreach (var owner in version.Owners)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], owner);
                offset += 4;
            }
        }
        return bytes;
    }

    /// <summary>
    /// The history in <paramref name="bytes"/> if it is about a table of <paramref name="tableSize"/> slots and
    /// <paramref name="seed"/>, without expired versions; null and why otherwise (never an exception).
    /// </summary>
    public static PoolHistory? Deserialize(ReadOnlySpan<byte> bytes, int tableSize, uint seed, TimeSpan retention, TimeProvider time, out string? why)
    {
        why = null;
        if (bytes.Length < HeaderLength || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic || BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]) != Format)
        {
            why = "not a pool history file of this lbengine";
            return null;
        }
        var size = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var fileSeed = BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        if (size != tableSize || fileSeed != seed)
        {
            why = $"it is for table size {size} and seed {fileSeed}, the config has {tableSize} and {seed}";
            return null;
        }
        if (count < 0 || (long)bytes.Length != HeaderLength + count * (VersionHeaderLength + 4L * size))
        {
            why = $"its length {bytes.Length} does not match {count} versions of {size} slots (truncated?)";
            return null;
        }
        var versions = new List<PoolVersion>(count);
        var offset = HeaderLength;
        for (var i = 0; i < count; i++)
        {
            var number = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
            var retiredMs = BinaryPrimitives.ReadInt64LittleEndian(bytes[(offset + 8)..]);
            offset += VersionHeaderLength;
            var owners = new uint[size];
            for (var slot = 0; slot < size; slot++, offset += 4) owners[slot] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
            if (retiredMs < -62_135_596_800_000 || retiredMs > 253_402_300_799_999)
            {
                why = $"version {number} has an impossible retirement time";
                return null;
            }
            versions.Add(new PoolVersion(number, DateTimeOffset.FromUnixTimeMilliseconds(retiredMs), owners));
        }
        return PoolHistory.Of(tableSize, seed, retention, time, versions);
    }

    /// <summary>Writes the history beside the final path and renames it into place.</summary>
    public static void Write(string path, PoolHistory history)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, Serialize(history));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The history stored at <paramref name="path"/>; null and why when there is none or it does not fit.</summary>
    public static PoolHistory? Read(string path, int tableSize, uint seed, TimeSpan retention, TimeProvider time, out string? why)
    {
        if (!File.Exists(path))
        {
            why = null;
            return null;
        }
        return Deserialize(File.ReadAllBytes(path), tableSize, seed, retention, time, out why);
    }
}
