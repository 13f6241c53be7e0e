namespace Lb.Core.Packets;

/// <summary>Checks that bytes are a well-formed IPv4 packet before any field is trusted.</summary>
public static class Ipv4Validator
{
    /// <summary>
    /// Validates an IPv4 packet (no link header). On success <paramref name="packetLength"/> is the IP total length
    /// (the span may be longer: Ethernet pads short frames).
    /// </summary>
    public static DropReason Validate(ReadOnlySpan<byte> packet, out int packetLength, bool verifyChecksum = true)
    {
        packetLength = 0;
        if (packet.Length < Ipv4Header.MinimumLength) return DropReason.Truncated;
        var ip = new Ipv4Header(packet);
        if (ip.Version != 4) return DropReason.BadIpVersion;
        var headerLength = ip.HeaderLength;
        if (headerLength < Ipv4Header.MinimumLength) return DropReason.BadIpHeaderLength;
        if (headerLength > packet.Length) return DropReason.Truncated;
        var totalLength = ip.TotalLength;
        if (totalLength < headerLength) return DropReason.BadIpTotalLength;
        if (totalLength > packet.Length) return DropReason.Truncated;
        if (verifyChecksum && !ip.HasValidChecksum) return DropReason.BadIpChecksum;
        packetLength = totalLength;
        return DropReason.None;
    }

    /// <summary>Validates an Ethernet frame carrying IPv4; <paramref name="packetLength"/> excludes the link header.</summary>
    public static DropReason ValidateFrame(ReadOnlySpan<byte> frame, out int packetLength, bool verifyChecksum = true)
    {
        packetLength = 0;
        if (frame.Length < EthernetHeader.Length) return DropReason.Truncated;
        if (new EthernetHeader(frame).EtherType != EthernetHeader.EtherTypeIpv4) return DropReason.NotIpv4;
        return Validate(frame[EthernetHeader.Length..], out packetLength, verifyChecksum);
    }
}
