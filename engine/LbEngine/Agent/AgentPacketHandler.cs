using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Engine.Policy;

namespace Lb.Engine.Agent;

/// <summary>
/// The agent's pure packet path: an IPv4 packet as a raw IP socket returns it (outer header first) in; the inner
/// packet to deliver (as a range of the input) or a drop reason out. No I/O, no allocation.
/// </summary>
public sealed class AgentPacketHandler(AgentState state, EngineCounters counters)
{
    private volatile AgentState _state = state;

    public AgentState State
    {
        get => _state;
        set => _state = value;
    }

    public EngineCounters Counters { get; } = counters;

    /// <summary>
    /// Checks an encapsulated packet: outer IPv4 proto 4 to this host from a configured mux; inner a valid IPv4
    /// packet to a VIP that serves it. On <see cref="DropReason.None"/> the inner packet is
    /// <c>packet.Slice(innerOffset, innerLength)</c>.
    /// </summary>
    public DropReason Handle(ReadOnlySpan<byte> packet, out int innerOffset, out int innerLength)
    {
        innerOffset = 0;
        innerLength = 0;
        var counters = Counters;
        counters.PacketsIn++;
        counters.BytesIn += packet.Length;
        var state = _state;

        var reason = Ipv4Validator.Validate(packet, out var outerLength);
        if (reason != DropReason.None) return Drop(reason);
        var outer = new Ipv4Header(packet);
        if (outer.Protocol != IpProtocol.IpInIp) return Drop(DropReason.NotIpInIp);
        if (outer.DestinationValue != state.OwnAddress) return Drop(DropReason.NotForThisHost);
        var mux = state.FindMux(outer.SourceValue);
        if (mux is null) return Drop(DropReason.UnknownMux);
        mux.Packets++;

        var offset = outer.HeaderLength;
        var innerBytes = packet[offset..outerLength];
        reason = Ipv4Validator.Validate(innerBytes, out var length);
        if (reason != DropReason.None) return Drop(reason);
        var inner = innerBytes[..length];
        var ip = new Ipv4Header(inner);
        var vip = state.Vips.Find(ip.DestinationValue);
        if (vip is null) return Drop(DropReason.InnerNotVip);
        reason = FlowKeyExtractor.Extract(inner, out var key, out var flowClass);
        if (reason != DropReason.None) return Drop(reason);
        reason = vip.Admit(key, flowClass, inner);
        if (reason != DropReason.None) return Drop(reason);

        counters.Forwarded++;
        vip.Packets++;
        vip.Bytes += length;
        innerOffset = offset;
        innerLength = length;
        return DropReason.None;
    }

    private DropReason Drop(DropReason reason)
    {
        Counters.Drops[(int)reason]++;
        return reason;
    }
}
