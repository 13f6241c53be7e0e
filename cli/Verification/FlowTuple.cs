using System.Buffers.Binary;
using Lb.Core.Addressing;
using Lbdeploy.Routing;

namespace Lbdeploy.Verification;

/// <summary>
/// The fields the fabric's ECMP hash covers (p4/ecmp.p4): source and destination address, L4 ports (0 but for TCP
/// and UDP) and protocol, of the IPv4 header or, for an IP-in-IP packet, of the inner one.
/// </summary>
public readonly record struct FlowTuple(Ipv4Address Source, Ipv4Address Destination, byte Protocol, ushort SourcePort, ushort DestinationPort)
{
    public const byte Tcp = 6, Udp = 17;

    /// <summary>
    /// The next hop (index among <paramref name="nextHops"/>) bmv2 picks for this flow at a switch whose group has
    /// <paramref name="stride"/> (<see cref="EcmpLayout"/>): ecmp.p4 takes crc16 modulo the group's members, and the
    /// member forwards to next hop (member / stride) mod n.
    /// </summary>
    public int Bmv2EcmpIndex(int nextHops, int stride = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nextHops, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        return EcmpLayout.NextHopOf(EcmpLayout.MemberOf(Bmv2Crc16(), nextHops, stride), nextHops, stride);
    }

    /// <summary>
    /// crc16 (CRC-16/ARC, bmv2's "crc16") over the 13 bytes srcAddr|dstAddr|srcPort|dstPort|protocol: the fields and
    /// order of the course's ecmp.p4, which p4/ecmp.p4 keeps.
    /// </summary>
    public ushort Bmv2Crc16()
    {
        Span<byte> bytes = stackalloc byte[13];
        Source.WriteTo(bytes);
        Destination.WriteTo(bytes[4..]);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[8..], SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[10..], DestinationPort);
        bytes[12] = Protocol;
        return Crc16Arc(bytes);
    }

    /// <summary>CRC-16/ARC: polynomial 0x8005 reflected (0xA001), init 0, no final xor; check("123456789") = 0xBB3D.</summary>
    public static ushort Crc16Arc(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        var table = Crc16Table;
        foreach (var b in data) crc = (ushort)((crc >> 8) ^ table[(crc ^ b) & 0xFF]);
        return crc;
    }

    // The path-spread check hashes millions of flows on a large fabric: a byte at a time, not a bit.
    private static readonly ushort[] Crc16Table = BuildTable();

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)i;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
            table[i] = crc;
        }
        return table;
    }
}
