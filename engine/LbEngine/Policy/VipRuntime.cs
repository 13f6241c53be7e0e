using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Packets;

namespace Lb.Engine.Policy;

/// <summary>A VIP as the packet path needs it: port bitmaps for O(1) checks, and its counters.</summary>
public sealed class VipRuntime
{
    private readonly ulong[] _tcpPorts = new ulong[1024];
    private readonly ulong[] _udpPorts = new ulong[1024];

    public VipRuntime(VipConfig config)
    {
        Config = config;
        Address = config.Address.Value;
        Icmp = config.Icmp;
        foreach (var port in config.Ports)
        {
            var bits = port.Protocol == TransportProtocol.Tcp ? _tcpPorts : _udpPorts;
            bits[port.Port >> 6] |= 1UL << (port.Port & 63);
            if (port.Protocol == TransportProtocol.Tcp) ServesTcp = true; else ServesUdp = true;
        }
    }

    public VipConfig Config { get; }
    public uint Address { get; }
    public bool Icmp { get; }
    public bool ServesTcp { get; }
    public bool ServesUdp { get; }

    public long Packets;
    public long Bytes;
    public long Flows;

    public bool ServesPort(byte protocol, ushort port) => protocol switch
    {
        IpProtocol.Tcp => (_tcpPorts[port >> 6] & (1UL << (port & 63))) != 0,
        IpProtocol.Udp => (_udpPorts[port >> 6] & (1UL << (port & 63))) != 0,
        _ => false,
    };

    public bool ServesProtocol(byte protocol) => protocol switch
    {
        IpProtocol.Tcp => ServesTcp,
        IpProtocol.Udp => ServesUdp,
        IpProtocol.Icmp => Icmp,
        _ => false,
    };

    /// <summary>
    /// Whether this VIP accepts a packet of the given flow class (the same rule on mux and agent):
    /// TCP/UDP to a listed port; fragments of a served protocol; ICMP echo requests when icmp is on; ICMP errors
    /// about a flow of this VIP (the reversed embedded key targets this VIP on a served port).
    /// </summary>
    public DropReason Admit(in FlowKey key, FlowClass flowClass, ReadOnlySpan<byte> ipPacket) => flowClass switch
    {
        FlowClass.Transport => ServesPort(key.Protocol, key.DestinationPort) ? DropReason.None : DropReason.UnservedPort,
        FlowClass.Fragment => ServesProtocol(key.Protocol) ? DropReason.None : DropReason.UnservedProtocol,
        FlowClass.IcmpEcho => Icmp && IsEchoRequest(ipPacket) ? DropReason.None : DropReason.UnservedIcmp,
        FlowClass.IcmpError => key.Destination == Address && (ServesPort(key.Protocol, key.DestinationPort) || (Icmp && key.Protocol == IpProtocol.Icmp))
            ? DropReason.None : DropReason.UnservedIcmp,
        _ => key.Protocol == IpProtocol.Icmp ? DropReason.UnservedIcmp : DropReason.UnservedProtocol,
    };

    private static bool IsEchoRequest(ReadOnlySpan<byte> ipPacket)
    {
        var ip = new Ipv4Header(ipPacket);
        return new IcmpHeader(ip.Payload).Type == IcmpHeader.TypeEchoRequest;
    }
}
