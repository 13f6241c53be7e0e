using System.Buffers.Binary;
using Lb.Core.Addressing;
using Lb.Core.Packets;

namespace Lb.Benchmarks;

/// <summary>Builds benchmark frames with the library's own writers (the unit tests check those against PacketDotNet).</summary>
internal static class PacketFrames
{
    public static readonly MacAddress Client = MacAddress.Parse("00:00:00:00:00:aa");
    public static readonly MacAddress Mux = MacAddress.Parse("00:00:0a:0d:01:02");
    public static readonly MacAddress Gateway = MacAddress.Parse("00:01:0a:0d:01:01");

    /// <summary>An Ethernet + IPv4 + TCP (ACK) frame of <paramref name="frameLength"/> bytes (min 54) with valid checksums.</summary>
    public static byte[] Tcp(uint source, ushort sourcePort, uint destination, ushort destinationPort, int frameLength)
    {
        var frame = new byte[Math.Max(frameLength, 54)];
        EthernetHeader.Write(frame, Mux, Client, EthernetHeader.EtherTypeIpv4);
        var ip = frame.AsSpan(EthernetHeader.Length);
        var tcp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], 1000);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], 2000);
        tcp[12] = 0x50;
        tcp[13] = TcpHeader.FlagAck;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        Ipv4Header.Write(ip, ip.Length, 1, Ipv4Header.FlagDontFragment, 63, IpProtocol.Tcp, source, destination);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], TransportChecksum.Compute(ip));
        return frame;
    }
}
