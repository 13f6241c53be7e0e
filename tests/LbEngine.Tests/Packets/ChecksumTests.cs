using System.Buffers.Binary;
using Lb.Core.Packets;
using Lb.Engine.Tests.Support;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Lb.Engine.Tests.Packets;

public class ChecksumTests
{
    [Fact]
    public void Rfc1071_example_sums_as_documented()
    {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (before complement).
        byte[] data = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7];
        Assert.Equal(0xDDF2, InternetChecksum.Fold(InternetChecksum.Add(0, data)));
        Assert.Equal(0x220D, InternetChecksum.Compute(data));
    }

    [Fact]
    public void Odd_lengths_pad_with_zero_and_parts_add_up()
    {
        var random = new Random(5);
        for (var length = 0; length < 200; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            var padded = new byte[length + 1];
            data.CopyTo(padded, 0);
            Assert.Equal(InternetChecksum.Compute(padded), InternetChecksum.Compute(data));
            if (length >= 2)
            {
                var split = (length / 2) & ~1; // sums of even-length parts add
                Assert.Equal(InternetChecksum.Compute(data), InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.Add(0, data.AsSpan(0, split)), data.AsSpan(split))));
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999)]
    public void Partial_tcp_checksum_is_finished_to_the_packetdotnet_value(int payload)
    {
        var ip = TestFrames.IpOf(TestFrames.Tcp("192.0.2.7", 40000, "20.0.0.1", 80, payload));
        var expected = BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(20 + TcpHeader.ChecksumOffset));
        TestFrames.MakeChecksumPartial(ip);
        Assert.False(((TcpPacket)new IPv4Packet(new ByteArraySegment(ip)).PayloadPacket).ValidTcpChecksum);

        Assert.True(TransportChecksum.FinishIfPartial(ip));

        Assert.Equal(expected, BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(20 + TcpHeader.ChecksumOffset)));
        Assert.True(((TcpPacket)new IPv4Packet(new ByteArraySegment(ip)).PayloadPacket).ValidTcpChecksum);
    }

    [Fact]
    public void Partial_udp_checksum_is_finished()
    {
        var ip = TestFrames.IpOf(TestFrames.Udp("192.0.2.7", 4000, "20.0.0.1", 53, 21));
        TestFrames.MakeChecksumPartial(ip);
        Assert.True(TransportChecksum.FinishIfPartial(ip));
        Assert.True(((UdpPacket)new IPv4Packet(new ByteArraySegment(ip)).PayloadPacket).ValidUdpChecksum);
    }

    [Fact]
    public void Complete_and_absent_checksums_are_left_alone()
    {
        var ip = TestFrames.IpOf(TestFrames.Tcp("192.0.2.7", 40000, "20.0.0.1", 80, 50));
        var before = (byte[])ip.Clone();
        Assert.False(TransportChecksum.FinishIfPartial(ip));
        Assert.Equal(before, ip);

        var udp = TestFrames.IpOf(TestFrames.Udp("192.0.2.7", 4000, "20.0.0.1", 53, 5));
        udp[20 + 6] = 0;
        udp[20 + 7] = 0;
        Assert.False(TransportChecksum.FinishIfPartial(udp));
    }
}
