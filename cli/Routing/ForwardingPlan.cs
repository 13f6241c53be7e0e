using System.Collections.Immutable;
using Lb.Core.Addressing;
using Lbdeploy.Topology;

namespace Lbdeploy.Routing;

/// <summary>
/// The target-neutral forwarding model: for every switch, destination prefix -> set of equal-cost next hops.
/// Built by the router from a <see cref="Fabric"/> and the VIP placement; read by the verifier and the renderers
/// (bmv2 table entries, linux ip-route scripts). Deterministic: switches in natural order, routes sorted by prefix,
/// next hops sorted by egress port.
/// </summary>
public sealed record ForwardingPlan(Fabric Fabric, ImmutableArray<SwitchForwarding> Switches, ImmutableArray<VipPlacement> Vips)
{
    public SwitchForwarding For(string switchName) => Switches.First(s => s.Switch.Name == switchName);
}

/// <summary>Where one VIP is served: the mux hosts that receive it.</summary>
public sealed record VipPlacement(Ipv4Address Vip, ImmutableArray<string> Muxes);

/// <summary>All routes of one switch.</summary>
public sealed record SwitchForwarding(FabricSwitch Switch, ImmutableArray<Route> Routes);

public enum RouteKind
{
    /// <summary>/32 to a host attached to this switch.</summary>
    DirectHost,

    /// <summary>The /24 of a host attached to another switch.</summary>
    RemoteHost,

    /// <summary>A VIP /32: toward the nearest muxes, or to the attached mux hosts.</summary>
    Vip,
}

/// <summary>One destination and its equal-cost next hops (more than one means ECMP).</summary>
public sealed record Route(Ipv4Prefix Destination, RouteKind Kind, ImmutableArray<NextHop> NextHops)
{
    public bool IsEcmp => NextHops.Length > 1;
}

/// <summary>
/// A next hop: <see cref="Egress"/> is this switch's own interface (port number, name), <see cref="Ingress"/> is the
/// neighbour's interface on that link (its MAC is bmv2's dstMac, its address is linux's `via`).
/// </summary>
public sealed record NextHop(string Neighbor, FabricInterface Egress, FabricInterface Ingress);
