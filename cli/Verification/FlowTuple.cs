using System.Buffers.Binary;
using Lb.Core.Addressing;

namespace Lbdeploy.Verification;

/// <summary>The fields the fabric's ECMP hash covers (p4/ecmp.p4: src/dst address, protocol, src/dst port).</summary>
public readonly record struct FlowTuple(Ipv4Address Source, Ipv4Address Destination, byte Protocol, ushort SourcePort, ushort DestinationPort)
{
    public const byte Tcp = 6, Udp = 17;

    /// <summary>
    /// The ECMP member bmv2 picks for this flow among <paramref name="members"/>: crc16 (CRC-16/ARC, bmv2's "crc16")
    /// over the 13 bytes srcAddr|dstAddr|protocol|srcPort|dstPort, modulo the member count, as ecmp.p4's hash() call.
    /// </summary>
    public int Bmv2EcmpIndex(int members)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        return Bmv2Crc16() % members;
    }

    public ushort Bmv2Crc16()
    {
        Span<byte> bytes = stackalloc byte[13];
        Source.WriteTo(bytes);
        Destination.WriteTo(bytes[4..]);
        bytes[8] = Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[9..], SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[11..], DestinationPort);
        return Crc16Arc(bytes);
    }

    /// <summary>CRC-16/ARC: polynomial 0x8005 reflected (0xA001), init 0, no final xor; check("123456789") = 0xBB3D.</summary>
    public static ushort Crc16Arc(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
        }
        return crc;
    }
}
