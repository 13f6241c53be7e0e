using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Lb.Core.Packets;

/// <summary>
/// The Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit big-endian words.
/// Sums are kept unfolded in a ulong so callers can add several parts (pseudo-header, header, payload) cheaply.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> (an odd length is padded with a zero byte) to a running sum.</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        // Sum 32-bit big-endian words into a 64-bit accumulator: the carries fold back in Fold().
        var words = data.Length / 4;
        var ints = MemoryMarshal.Cast<byte, uint>(data[..(words * 4)]);
        foreach (var value in ints)
            sum += BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
        var rest = data[(words * 4)..];
        if (rest.Length >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(rest);
            rest = rest[2..];
        }
        if (rest.Length == 1) sum += (uint)rest[0] << 8;
        return sum;
    }

    /// <summary>Folds a running sum to 16 bits (not complemented).</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The checksum to store in a header: the complement of the folded sum.</summary>
    public static ushort Finish(ulong sum) => (ushort)~Fold(sum);

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>True when data that includes its own checksum field sums to 0xFFFF, i.e. the checksum is right.</summary>
    public static bool IsValid(ReadOnlySpan<byte> data) => Fold(Add(0, data)) == 0xFFFF;

    /// <summary>The TCP/UDP pseudo-header sum (RFC 793/768): source, destination, protocol, transport length.</summary>
    public static ulong PseudoHeader(uint source, uint destination, byte protocol, int transportLength) =>
        (ulong)(source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol + (uint)transportLength;
}
