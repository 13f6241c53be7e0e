using System.Net;
using Lb.Core.Packets;
using Lb.Engine.Tests.Support;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Lb.Engine.Tests.Packets;

/// <summary>Our header views against PacketDotNet as the independent oracle.</summary>
public class HeaderParsingTests
{
    [Theory]
    [InlineData(0, true, 64, 0)]
    [InlineData(1, false, 1, 0xB8)]
    [InlineData(1460, true, 255, 0x10)]
    public void Ipv4_and_tcp_fields_match_packetdotnet(int payload, bool dontFragment, int ttl, int tos)
    {
        var frame = TestFrames.Tcp("192.0.2.7", 40000, "20.0.0.1", 80, payload, dontFragment, ttl, syn: true, tos: tos);
        var oracle = (IPv4Packet)new EthernetPacket(new ByteArraySegment(frame)).PayloadPacket;
        var oracleTcp = (TcpPacket)oracle.PayloadPacket;

        var ethernet = new EthernetHeader(frame);
        Assert.True(ethernet.IsComplete);
        Assert.Equal(EthernetHeader.EtherTypeIpv4, ethernet.EtherType);
        Assert.Equal(TestFrames.ClientSideMac, ethernet.Source);
        Assert.Equal(TestFrames.MuxMac, ethernet.Destination);

        var ip = new Ipv4Header(ethernet.Payload);
        Assert.Equal(4, ip.Version);
        Assert.Equal(oracle.HeaderLength * 4, ip.HeaderLength);
        Assert.Equal(oracle.TotalLength, ip.TotalLength);
        Assert.Equal(oracle.Id, ip.Identification);
        Assert.Equal((oracle.FragmentFlags & 2) != 0, ip.DontFragment);
        Assert.Equal((oracle.FragmentFlags & 1) != 0, ip.MoreFragments);
        Assert.Equal(oracle.FragmentOffset, ip.FragmentOffset);
        Assert.Equal(oracle.TimeToLive, ip.TimeToLive);
        Assert.Equal((byte)oracle.Protocol, ip.Protocol);
        Assert.Equal(oracle.Checksum, ip.Checksum);
        Assert.Equal(oracle.TypeOfService, ip.DscpEcn);
        Assert.Equal(oracle.SourceAddress.ToString(), ip.Source.ToString());
        Assert.Equal(oracle.DestinationAddress.ToString(), ip.Destination.ToString());
        Assert.True(ip.HasValidChecksum);
        Assert.False(ip.IsFragment);

        var tcp = new TcpHeader(ip.Payload);
        Assert.True(tcp.IsComplete);
        Assert.Equal(oracleTcp.SourcePort, tcp.SourcePort);
        Assert.Equal(oracleTcp.DestinationPort, tcp.DestinationPort);
        Assert.Equal(oracleTcp.SequenceNumber, tcp.SequenceNumber);
        Assert.Equal(oracleTcp.AcknowledgmentNumber, tcp.AcknowledgmentNumber);
        Assert.Equal(oracleTcp.DataOffset * 4, tcp.DataOffset);
        Assert.Equal(oracleTcp.WindowSize, tcp.Window);
        Assert.Equal(oracleTcp.Checksum, tcp.Checksum);
        Assert.True(tcp.IsSyn);
        Assert.Equal(payload, tcp.Payload.Length);
        Assert.Equal(oracleTcp.Checksum, TransportChecksum.Compute(ip.Packet));
    }

    [Fact]
    public void Udp_fields_match_packetdotnet()
    {
        var frame = TestFrames.Udp("192.0.2.9", 5353, "20.0.0.1", 53, 33);
        var oracle = (UdpPacket)((IPv4Packet)new EthernetPacket(new ByteArraySegment(frame)).PayloadPacket).PayloadPacket;
        var udp = new UdpHeader(new Ipv4Header(frame.AsSpan(EthernetHeader.Length)).Payload);
        Assert.Equal(oracle.SourcePort, udp.SourcePort);
        Assert.Equal(oracle.DestinationPort, udp.DestinationPort);
        Assert.Equal(oracle.Length, udp.DatagramLength);
        Assert.Equal(oracle.Checksum, udp.Checksum);
        Assert.Equal(oracle.Checksum, TransportChecksum.Compute(TestFrames.IpOf(frame)));
    }

    [Fact]
    public void Icmp_echo_and_error_fields_match_packetdotnet()
    {
        var echo = TestFrames.EchoRequest("192.0.2.7", "20.0.0.1", 0xBEEF, 9);
        var oracle = (IcmpV4Packet)((IPv4Packet)new EthernetPacket(new ByteArraySegment(echo)).PayloadPacket).PayloadPacket;
        var icmp = new IcmpHeader(new Ipv4Header(echo.AsSpan(EthernetHeader.Length)).Payload);
        Assert.Equal(oracle.Id, icmp.Identifier);
        Assert.Equal(oracle.Sequence, icmp.SequenceNumber);
        Assert.Equal((ushort)oracle.TypeCode >> 8, icmp.Type);
        Assert.True(icmp.IsEcho);
        Assert.True(icmp.HasValidChecksum);
        Assert.True(oracle.ValidIcmpChecksum);

        // An error quoting a server reply (VIP:80 -> client:40000): the body is that packet's header + 8 bytes.
        var reply = TestFrames.IpOf(TestFrames.Tcp("20.0.0.1", 80, "192.0.2.7", 40000, 100));
        var error = TestFrames.Icmp("192.0.2.1", "20.0.0.1", IcmpHeader.TypeDestinationUnreachable, IcmpHeader.CodeFragmentationNeeded, 1400, reply.AsSpan(0, 28));
        var parsed = new IcmpHeader(new Ipv4Header(error.AsSpan(EthernetHeader.Length)).Payload);
        Assert.True(parsed.IsError);
        Assert.Equal(1400, parsed.NextHopMtu);
        var embedded = new Ipv4Header(parsed.Body);
        Assert.Equal("20.0.0.1", embedded.Source.ToString());
        Assert.Equal("192.0.2.7", embedded.Destination.ToString());
    }

    [Fact]
    public void Header_with_options_is_parsed_with_its_length()
    {
        // IHL 6: one 4-byte option word (four NOPs) between the fixed header and TCP.
        var plain = TestFrames.IpOf(TestFrames.Tcp("192.0.2.7", 1234, "20.0.0.1", 80, 10));
        var withOptions = new byte[plain.Length + 4];
        plain.AsSpan(0, 20).CopyTo(withOptions);
        withOptions[0] = 0x46;
        withOptions.AsSpan(20, 4).Fill(1);
        plain.AsSpan(20).CopyTo(withOptions.AsSpan(24));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(withOptions.AsSpan(2), (ushort)withOptions.Length);
        Ipv4Header.UpdateChecksum(withOptions);

        var oracle = new IPv4Packet(new ByteArraySegment(withOptions));
        Assert.True(oracle.ValidIPChecksum);
        Assert.Equal(DropReason.None, Ipv4Validator.Validate(withOptions, out var length));
        var ip = new Ipv4Header(withOptions);
        Assert.Equal(24, ip.HeaderLength);
        Assert.Equal(oracle.HeaderLength * 4, ip.HeaderLength);
        Assert.Equal(withOptions.Length, length);
        Assert.Equal(4, ip.Options.Length);
        Assert.Equal(1234, new TcpHeader(ip.Payload).SourcePort);
    }

    [Fact]
    public void Written_ipv4_header_is_valid_for_packetdotnet()
    {
        var buffer = new byte[20 + 8];
        Ipv4Header.Write(buffer, buffer.Length, 0xABCD, Ipv4Header.FlagDontFragment, 64, IpProtocol.IpInIp,
            Lb.Core.Addressing.Ipv4Address.Parse("10.13.1.2").Value, Lb.Core.Addressing.Ipv4Address.Parse("10.19.13.2").Value, 0x28);
        var oracle = new IPv4Packet(new ByteArraySegment(buffer));
        Assert.True(oracle.ValidIPChecksum);
        Assert.Equal(IPAddress.Parse("10.13.1.2"), oracle.SourceAddress);
        Assert.Equal(IPAddress.Parse("10.19.13.2"), oracle.DestinationAddress);
        Assert.Equal(ProtocolType.IPv4, oracle.Protocol);
        Assert.Equal(64, oracle.TimeToLive);
        Assert.Equal(2, oracle.FragmentFlags);
        Assert.Equal(0xABCD, oracle.Id);
        Assert.Equal(0x28, oracle.TypeOfService);
        Assert.Equal(28, oracle.TotalLength);
    }

    [Theory]
    [InlineData(new byte[] { 0x45 }, DropReason.Truncated)]
    [InlineData(new byte[] { 0x65, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, DropReason.BadIpVersion)]
    [InlineData(new byte[] { 0x44, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, DropReason.BadIpHeaderLength)]
    [InlineData(new byte[] { 0x46, 0, 0, 24, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, DropReason.Truncated)]
    [InlineData(new byte[] { 0x45, 0, 0, 19, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, DropReason.BadIpTotalLength)]
    [InlineData(new byte[] { 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, DropReason.Truncated)]
    [InlineData(new byte[] { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, DropReason.BadIpChecksum)]
    public void Validator_names_what_is_wrong(byte[] packet, DropReason expected) =>
        Assert.Equal(expected, Ipv4Validator.Validate(packet, out _));

    [Fact]
    public void Validator_accepts_ethernet_padding_and_reports_the_ip_length()
    {
        var frame = TestFrames.Tcp("192.0.2.7", 1, "20.0.0.1", 80);
        var padded = new byte[frame.Length + 6];
        frame.CopyTo(padded, 0);
        Assert.Equal(DropReason.None, Ipv4Validator.ValidateFrame(padded, out var length));
        Assert.Equal(frame.Length - EthernetHeader.Length, length);
        padded[12] = 0x86;
        padded[13] = 0xDD;
        Assert.Equal(DropReason.NotIpv4, Ipv4Validator.ValidateFrame(padded, out _));
    }

    [Fact]
    public void Drop_reason_names_are_snake_case() 
    {
        Assert.Equal("dsr_violation", DropReasons.Name(DropReason.DsrViolation));
        Assert.Equal("bad_ip_checksum", DropReasons.Name(DropReason.BadIpChecksum));
        Assert.Equal("not_ip_in_ip", DropReasons.Name(DropReason.NotIpInIp));
        Assert.Equal("too_big_no_df", DropReasons.Name(DropReason.TooBigNoDf));
        Assert.All(DropReasons.All, r => Assert.Matches("^[a-z0-9]+(_[a-z0-9]+)*$", DropReasons.Name(r)));
    }
}
