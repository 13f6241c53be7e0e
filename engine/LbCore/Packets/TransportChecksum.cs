using System.Buffers.Binary;

namespace Lb.Core.Packets;

/// <summary>
/// Completes TCP/UDP checksums left unfinished by checksum offload. A sender with offload (veth, virtio) stores only
/// the folded pseudo-header sum in the checksum field and expects the NIC to finish it; a packet captured in user
/// space and forwarded as is arrives with that partial value and the receiver drops it silently.
/// </summary>
public static class TransportChecksum
{
    /// <summary>
    /// If the TCP/UDP checksum of the (unfragmented) IPv4 packet in <paramref name="packet"/> holds the partial
    /// pseudo-header value, replaces it with the full checksum. Returns true when it did. A correct checksum that
    /// happens to equal the partial value is recomputed to the same correct value, so the test is safe.
    /// </summary>
    public static bool FinishIfPartial(Span<byte> packet)
    {
        var ip = new Ipv4Header(packet);
        if (ip.IsFragment) return false;
        var protocol = ip.Protocol;
        int checksumOffset;
        if (protocol == IpProtocol.Tcp) checksumOffset = TcpHeader.ChecksumOffset;
        else if (protocol == IpProtocol.Udp) checksumOffset = UdpHeader.ChecksumOffset;
        else return false;

        var headerLength = ip.HeaderLength;
        var transportLength = ip.TotalLength - headerLength;
        if (transportLength < checksumOffset + 2) return false;
        var transport = packet.Slice(headerLength, transportLength);
        var field = BinaryPrimitives.ReadUInt16BigEndian(transport.Slice(checksumOffset, 2));
        if (protocol == IpProtocol.Udp && field == 0) return false; // UDP over IPv4: checksum not used.

        var pseudo = InternetChecksum.PseudoHeader(ip.SourceValue, ip.DestinationValue, protocol, transportLength);
        if (field != InternetChecksum.Fold(pseudo)) return false;

        transport[checksumOffset] = 0;
        transport[checksumOffset + 1] = 0;
        var checksum = InternetChecksum.Finish(InternetChecksum.Add(pseudo, transport));
        if (protocol == IpProtocol.Udp && checksum == 0) checksum = 0xFFFF; // RFC 768: 0 is sent as all ones.
        BinaryPrimitives.WriteUInt16BigEndian(transport.Slice(checksumOffset, 2), checksum);
        return true;
    }

    /// <summary>Computes the full TCP/UDP checksum of an IPv4 packet (checksum field treated as zero).</summary>
    public static ushort Compute(ReadOnlySpan<byte> packet)
    {
        var ip = new Ipv4Header(packet);
        var protocol = ip.Protocol;
        var headerLength = ip.HeaderLength;
        var transport = packet[headerLength..ip.TotalLength];
        var checksumOffset = protocol == IpProtocol.Tcp ? TcpHeader.ChecksumOffset : UdpHeader.ChecksumOffset;
        var sum = InternetChecksum.PseudoHeader(ip.SourceValue, ip.DestinationValue, protocol, transport.Length);
        sum = InternetChecksum.Add(sum, transport[..checksumOffset]);
        sum = InternetChecksum.Add(sum, transport[(checksumOffset + 2)..]);
        var checksum = InternetChecksum.Finish(sum);
        return protocol == IpProtocol.Udp && checksum == 0 ? (ushort)0xFFFF : checksum;
    }
}
