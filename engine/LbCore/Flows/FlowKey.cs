using Lb.Core.Addressing;

namespace Lb.Core.Flows;

/// <summary>
/// What identifies a flow for load balancing: the 5-tuple for TCP/UDP, (source, destination, identifier) for ICMP
/// echo, and (source, destination, protocol) for fragments and other protocols so every packet of such a flow
/// reaches the same DIP. Addresses are host-order values.
/// </summary>
public readonly record struct FlowKey(uint Source, uint Destination, ushort SourcePort, ushort DestinationPort, byte Protocol)
{
    public static FlowKey Create(Ipv4Address source, ushort sourcePort, Ipv4Address destination, ushort destinationPort, byte protocol) =>
        new(source.Value, destination.Value, sourcePort, destinationPort, protocol);

    public Ipv4Address SourceAddress => new(Source);
    public Ipv4Address DestinationAddress => new(Destination);

    public override string ToString() =>
        $"{Packets.IpProtocol.Name(Protocol)} {SourceAddress}:{SourcePort} -> {DestinationAddress}:{DestinationPort}";
}
