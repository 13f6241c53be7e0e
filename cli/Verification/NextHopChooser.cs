using Lb.Core.Addressing;
using Lbdeploy.Routing;

namespace Lbdeploy.Verification;

/// <summary>
/// A packet as the fabric's hash sees it: its flow (for a tunnelled packet, the inner one) and, when a mux wrapped it
/// in IP-in-IP, the outer addresses the switches route on.
/// </summary>
public readonly record struct SampledPacket(FlowTuple Flow, Ipv4Address? TunnelSource = null, Ipv4Address? TunnelDestination = null)
{
    /// <summary>The address the switches look up.</summary>
    public Ipv4Address RoutedTo => TunnelDestination ?? Flow.Destination;
}

/// <summary>
/// Which equal-cost next hop a switch picks for a packet: the seam where bmv2's hash is plugged in, and where a Linux
/// kernel's (fields by policy, a pinned seed per switch) can be.
/// </summary>
public interface INextHopChooser
{
    /// <summary>What the choice depends on besides the packet, resolved once per switch and route (bmv2: the member stride).</summary>
    int Setting(string switchName, Route route);

    /// <summary>Work done once per packet and shared by every switch (bmv2: the crc16 every switch computes alike).</summary>
    ulong Prepare(in SampledPacket packet);

    /// <summary>The index among the route's <paramref name="nextHops"/> next hops the switch forwards the packet to.</summary>
    int Choose(in SampledPacket packet, ulong prepared, int setting, int nextHops);
}

/// <summary>p4/ecmp.p4 with the plan's member layout: crc16 of the (inner) 5-tuple, member = crc mod (n * stride).</summary>
public sealed class Bmv2NextHopChooser(EcmpLayout layout) : INextHopChooser
{
    public int Setting(string switchName, Route route) => layout.StrideOf(switchName, route);

    public ulong Prepare(in SampledPacket packet) => packet.Flow.Bmv2Crc16();

    public int Choose(in SampledPacket packet, ulong prepared, int setting, int nextHops) =>
        EcmpLayout.NextHopOf(EcmpLayout.MemberOf((ushort)prepared, nextHops, setting), nextHops, setting);
}
