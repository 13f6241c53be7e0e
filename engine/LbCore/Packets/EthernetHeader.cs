using System.Buffers.Binary;
using Lb.Core.Addressing;

namespace Lb.Core.Packets;

/// <summary>A read-only view over an Ethernet II header (no VLAN tags: the fabric uses none).</summary>
public readonly ref struct EthernetHeader
{
    public const int Length = 14;
    public const ushort EtherTypeIpv4 = 0x0800;
    public const ushort EtherTypeArp = 0x0806;

    private readonly ReadOnlySpan<byte> _bytes;

    /// <summary>Wraps a frame; check <see cref="IsComplete"/> before reading fields.</summary>
    public EthernetHeader(ReadOnlySpan<byte> frame) => _bytes = frame;

    public bool IsComplete => _bytes.Length >= Length;
    public MacAddress Destination => MacAddress.FromBytes(_bytes[..6]);
    public MacAddress Source => MacAddress.FromBytes(_bytes.Slice(6, 6));
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(12, 2));
    public ReadOnlySpan<byte> Payload => _bytes[Length..];

    /// <summary>Writes a complete Ethernet header at the start of <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, MacAddress destinationMac, MacAddress sourceMac, ushort etherType)
    {
        destinationMac.WriteTo(destination[..6]);
        sourceMac.WriteTo(destination.Slice(6, 6));
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(12, 2), etherType);
    }
}
