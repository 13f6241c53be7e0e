using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using Lb.Core.Addressing;
using Lb.Core.Packets;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Lb.Engine.Tests.Support;

/// <summary>Builds frames with PacketDotNet: an implementation independent of the code under test.</summary>
internal static class TestFrames
{
    public static readonly MacAddress ClientSideMac = MacAddress.Parse("00:00:00:00:00:aa");
    public static readonly MacAddress MuxMac = MacAddress.Parse("00:00:0a:0d:01:02");
    public static readonly MacAddress GatewayMac = MacAddress.Parse("00:01:0a:0d:01:01");

    public static byte[] Tcp(string source, ushort sourcePort, string destination, ushort destinationPort, int payloadLength = 0,
        bool dontFragment = true, int ttl = 63, bool syn = false, int tos = 0, int seed = 1, bool fin = false)
    {
        var tcp = new TcpPacket(sourcePort, destinationPort)
        {
            Finished = fin,
            SequenceNumber = 1000,
            AcknowledgmentNumber = 2000,
            WindowSize = 64240,
            Synchronize = syn,
            Acknowledgment = !syn,
            PayloadData = Payload(payloadLength, seed),
        };
        return Wrap(tcp, source, destination, dontFragment, ttl, tos, () => tcp.UpdateTcpChecksum());
    }

    public static byte[] Udp(string source, ushort sourcePort, string destination, ushort destinationPort, int payloadLength = 0, bool dontFragment = false)
    {
        var udp = new UdpPacket(sourcePort, destinationPort) { PayloadData = Payload(payloadLength, 7) };
        return Wrap(udp, source, destination, dontFragment, 63, 0, () => { udp.UpdateCalculatedValues(); udp.UpdateUdpChecksum(); });
    }

    /// <summary>An ICMP message (type, code, the 4 "rest of header" bytes, body) in an Ethernet frame.</summary>
    public static byte[] Icmp(string source, string destination, byte type, byte code, uint rest, ReadOnlySpan<byte> body)
    {
        var message = new byte[8 + body.Length];
        message[0] = type;
        message[1] = code;
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), rest);
        body.CopyTo(message.AsSpan(8));
        var icmp = new IcmpV4Packet(new ByteArraySegment(message));
        return Wrap(icmp, source, destination, false, 63, 0, () => icmp.UpdateIcmpChecksum());
    }

    public static byte[] EchoRequest(string source, string destination, ushort identifier, ushort sequence = 1) =>
        Icmp(source, destination, IcmpHeader.TypeEchoRequest, 0, ((uint)identifier << 16) | sequence, Payload(56, 3));

    private static byte[] Wrap(Packet transport, string source, string destination, bool dontFragment, int ttl, int tos, Action updateChecksum)
    {
        var ip = new IPv4Packet(IPAddress.Parse(source), IPAddress.Parse(destination))
        {
            TimeToLive = ttl,
            Id = 0x1234,
            FragmentFlags = dontFragment ? 2 : 0,
            TypeOfService = tos,
        };
        var ethernet = new EthernetPacket(Physical(ClientSideMac), Physical(MuxMac), EthernetType.IPv4) { PayloadPacket = ip };
        ip.PayloadPacket = transport;
        ethernet.UpdateCalculatedValues();
        updateChecksum();
        ip.UpdateIPChecksum();
        return ethernet.Bytes;
    }

    public static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static PhysicalAddress Physical(MacAddress mac)
    {
        var bytes = new byte[6];
        mac.WriteTo(bytes);
        return new PhysicalAddress(bytes);
    }

    /// <summary>The IPv4 packet of an Ethernet frame.</summary>
    public static byte[] IpOf(byte[] frame) => frame[EthernetHeader.Length..];

    /// <summary>Rewrites the TCP/UDP checksum field to the partial (pseudo-header only) value offload leaves.</summary>
    public static void MakeChecksumPartial(Span<byte> ipPacket)
    {
        var ip = new Ipv4Header(ipPacket);
        var transportLength = ip.TotalLength - ip.HeaderLength;
        var offset = ip.HeaderLength + (ip.Protocol == IpProtocol.Tcp ? TcpHeader.ChecksumOffset : UdpHeader.ChecksumOffset);
        var partial = InternetChecksum.Fold(InternetChecksum.PseudoHeader(ip.SourceValue, ip.DestinationValue, ip.Protocol, transportLength));
        BinaryPrimitives.WriteUInt16BigEndian(ipPacket.Slice(offset, 2), partial);
    }

    /// <summary>Turns a frame's IPv4 packet into a fragment (sets MF and/or the offset) and fixes the header checksum.</summary>
    public static byte[] AsFragment(byte[] frame, bool moreFragments, int offsetUnits)
    {
        var copy = (byte[])frame.Clone();
        var ip = copy.AsSpan(EthernetHeader.Length);
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(6, 2), (ushort)((moreFragments ? 0x2000 : 0) | offsetUnits));
        Ipv4Header.UpdateChecksum(ip);
        return copy;
    }
}
