using Lb.Core.Packets;

namespace Lb.Core.Flows;

/// <summary>Derives the flow key of a validated IPv4 packet without allocating.</summary>
public static class FlowKeyExtractor
{
    /// <summary>
    /// Extracts the key of <paramref name="packet"/> (an IPv4 packet already checked by <see cref="Ipv4Validator"/>,
    /// trimmed or not). Returns <see cref="DropReason.BadTransportHeader"/> when the transport header is too short
    /// to hold what the key needs.
    /// </summary>
    public static DropReason Extract(ReadOnlySpan<byte> packet, out FlowKey key, out FlowClass flowClass)
    {
        var ip = new Ipv4Header(packet);
        var protocol = ip.Protocol;
        var source = ip.SourceValue;
        var destination = ip.DestinationValue;
        key = new FlowKey(source, destination, 0, 0, protocol);

        if (ip.IsFragment)
        {
            // Later fragments carry no ports: key every fragment of the datagram by addresses and protocol alone.
            flowClass = FlowClass.Fragment;
            return DropReason.None;
        }

        var payload = ip.Payload;
        switch (protocol)
        {
            case IpProtocol.Tcp:
                flowClass = FlowClass.Transport;
                var tcp = new TcpHeader(payload);
                if (!tcp.IsComplete) return DropReason.BadTransportHeader;
                key = new FlowKey(source, destination, tcp.SourcePort, tcp.DestinationPort, protocol);
                return DropReason.None;
            case IpProtocol.Udp:
                flowClass = FlowClass.Transport;
                var udp = new UdpHeader(payload);
                if (!udp.IsComplete || udp.DatagramLength < UdpHeader.Length || udp.DatagramLength > payload.Length)
                    return DropReason.BadTransportHeader;
                key = new FlowKey(source, destination, udp.SourcePort, udp.DestinationPort, protocol);
                return DropReason.None;
            case IpProtocol.Icmp:
                return ExtractIcmp(payload, source, destination, out key, out flowClass);
            default:
                flowClass = FlowClass.Other;
                return DropReason.None;
        }
    }

    private static DropReason ExtractIcmp(ReadOnlySpan<byte> message, uint source, uint destination, out FlowKey key, out FlowClass flowClass)
    {
        key = new FlowKey(source, destination, 0, 0, IpProtocol.Icmp);
        flowClass = FlowClass.Other;
        var icmp = new IcmpHeader(message);
        if (!icmp.IsComplete) return DropReason.BadTransportHeader;
        if (icmp.IsEcho)
        {
            flowClass = FlowClass.IcmpEcho;
            key = new FlowKey(source, destination, icmp.Identifier, 0, IpProtocol.Icmp);
            return DropReason.None;
        }
        if (!icmp.IsError) return DropReason.None;

        // The error quotes a packet our server sent (VIP -> client). Reversing it gives the key of the client's
        // flow (client -> VIP), so the error reaches the DIP that owns the connection (as Katran does).
        flowClass = FlowClass.IcmpError;
        var embedded = icmp.Body;
        if (embedded.Length < Ipv4Header.MinimumLength) return DropReason.BadTransportHeader;
        var inner = new Ipv4Header(embedded);
        var innerHeaderLength = inner.HeaderLength;
        if (inner.Version != 4 || innerHeaderLength < Ipv4Header.MinimumLength || embedded.Length < innerHeaderLength + 8)
            return DropReason.BadTransportHeader;
        var innerProtocol = inner.Protocol;
        var quoted = embedded[innerHeaderLength..];
        key = new FlowKey(inner.DestinationValue, inner.SourceValue, 0, 0, innerProtocol);
        if (inner.IsFragment && inner.FragmentOffset != 0) return DropReason.None;
        if (innerProtocol is IpProtocol.Tcp or IpProtocol.Udp)
        {
            var quotedSource = (ushort)((quoted[0] << 8) | quoted[1]);
            var quotedDestination = (ushort)((quoted[2] << 8) | quoted[3]);
            key = new FlowKey(inner.DestinationValue, inner.SourceValue, quotedDestination, quotedSource, innerProtocol);
        }
        else if (innerProtocol == IpProtocol.Icmp && new IcmpHeader(quoted).IsEcho)
        {
            key = new FlowKey(inner.DestinationValue, inner.SourceValue, new IcmpHeader(quoted).Identifier, 0, IpProtocol.Icmp);
        }
        return DropReason.None;
    }
}
