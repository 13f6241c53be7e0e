using System.Buffers.Binary;
using Lb.Core.Addressing;

namespace Lb.Core.Packets;

/// <summary>
/// A read-only view over an IPv4 packet (header with options, then payload). Fields are read lazily with
/// BinaryPrimitives; nothing is validated here: run <see cref="Ipv4Validator"/> first.
/// </summary>
public readonly ref struct Ipv4Header
{
    public const int MinimumLength = 20;
    public const ushort FlagDontFragment = 0x4000;
    public const ushort FlagMoreFragments = 0x2000;
    public const ushort FragmentOffsetMask = 0x1FFF;

    private readonly ReadOnlySpan<byte> _bytes;

    public Ipv4Header(ReadOnlySpan<byte> packet) => _bytes = packet;

    /// <summary>The bytes this view was created over (may extend past <see cref="TotalLength"/>: Ethernet padding).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;
    public int Version => _bytes[0] >> 4;
    /// <summary>Header length in bytes (IHL * 4), including options.</summary>
    public int HeaderLength => (_bytes[0] & 0x0F) * 4;
    public byte DscpEcn => _bytes[1];
    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(2, 2));
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(4, 2));
    public ushort FlagsAndFragmentOffset => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(6, 2));
    public bool DontFragment => (FlagsAndFragmentOffset & FlagDontFragment) != 0;
    public bool MoreFragments => (FlagsAndFragmentOffset & FlagMoreFragments) != 0;
    /// <summary>Fragment offset in bytes (the field counts 8-byte units).</summary>
    public int FragmentOffset => (FlagsAndFragmentOffset & FragmentOffsetMask) * 8;
    /// <summary>True for any fragment: the first (MF set) as well as later ones (offset > 0).</summary>
    public bool IsFragment => (FlagsAndFragmentOffset & (FlagMoreFragments | FragmentOffsetMask)) != 0;
    public byte TimeToLive => _bytes[8];
    public byte Protocol => _bytes[9];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(10, 2));
    public uint SourceValue => BinaryPrimitives.ReadUInt32BigEndian(_bytes.Slice(12, 4));
    public uint DestinationValue => BinaryPrimitives.ReadUInt32BigEndian(_bytes.Slice(16, 4));
    public Ipv4Address Source => new(SourceValue);
    public Ipv4Address Destination => new(DestinationValue);
    public ReadOnlySpan<byte> Options => _bytes[MinimumLength..HeaderLength];
    /// <summary>The packet up to TotalLength (drops Ethernet padding).</summary>
    public ReadOnlySpan<byte> Packet => _bytes[..TotalLength];
    /// <summary>The transport payload: from the end of the header to TotalLength.</summary>
    public ReadOnlySpan<byte> Payload => _bytes[HeaderLength..TotalLength];
    public bool HasValidChecksum => InternetChecksum.IsValid(_bytes[..HeaderLength]);

    /// <summary>
    /// Writes a header with a correct checksum. <paramref name="flags"/> holds the DF/MF bits. With
    /// <paramref name="optionsLength"/> (a multiple of 4) the options must already be at <c>destination[20..]</c>:
    /// the IHL and the checksum cover them.
    /// </summary>
    public static void Write(Span<byte> destination, int totalLength, ushort identification, ushort flags, byte ttl,
        byte protocol, uint source, uint target, byte dscpEcn = 0, int optionsLength = 0)
    {
        destination[0] = (byte)(0x40 | ((MinimumLength + optionsLength) / 4));
        destination[1] = dscpEcn;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2, 2), (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(4, 2), identification);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(6, 2), flags);
        destination[8] = ttl;
        destination[9] = protocol;
        destination[10] = 0;
        destination[11] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(12, 4), source);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(16, 4), target);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(10, 2), InternetChecksum.Compute(destination[..(MinimumLength + optionsLength)]));
    }

    /// <summary>Recomputes the header checksum of a header already in a writable buffer.</summary>
    public static void UpdateChecksum(Span<byte> header)
    {
        var length = (header[0] & 0x0F) * 4;
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header.Slice(10, 2), InternetChecksum.Compute(header[..length]));
    }
}
