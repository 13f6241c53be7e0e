namespace Lbdeploy.Rendering;

// The models templates format. Code decides every value (addresses, order, group ids); templates only lay them out.

/// <summary>templates/switches/linux.sh.sbn and linux.down.sh.sbn: one switch as a Linux router.</summary>
public sealed record LinuxSwitchModel(string Switch, IReadOnlyList<string> Interfaces, IReadOnlyList<LinuxRouteModel> Routes)
{
    /// <summary>The distinct ECMP next-hop lists, each a shell variable the routes expand (a k=16 fat-tree switch has
    /// ~1000 routes over a handful of lists: spelling each list once keeps the script ~8 times smaller).</summary>
    public IReadOnlyList<LinuxEcmpSetModel> EcmpSets { get; init; } = [];
}

/// <summary>`NAME='nexthop via A dev X nexthop via B dev Y'`.</summary>
public sealed record LinuxEcmpSetModel(string Name, string NextHops);

/// <summary>
/// One `ip route replace PREFIX TARGET`; <see cref="Target"/> is `dev X`, `via A dev X`, or `$ecmpN` (an ECMP set).
/// <see cref="StartsKind"/>: the first route of its kind (the script puts a heading there).
/// </summary>
public sealed record LinuxRouteModel(string Prefix, string Kind, string Target, bool StartsKind);

/// <summary>One formatted next hop; `via` is null for an attached host (the route is just `dev`).</summary>
public sealed record LinuxNextHopModel(string? Via, string Dev);

/// <summary>templates/switches/bmv2.txt.sbn: simple_switch_CLI commands for p4/ecmp.p4.</summary>
public sealed record Bmv2SwitchModel(string Switch, int DeviceId, int ThriftPort, IReadOnlyList<Bmv2EntryModel> Entries);

/// <summary>
/// One ipv4_lpm entry. <see cref="Action"/> is set_nhop (args: MAC PORT) or ecmp_group (args: GROUP COUNT);
/// <see cref="NewGroup"/> is the group this entry uses first, whose ecmp_group_to_nhop members are written just before it.
/// </summary>
public sealed record Bmv2EntryModel(string Prefix, string Kind, string Action, string Arguments, Bmv2GroupModel? NewGroup);

public sealed record Bmv2GroupModel(int Id, IReadOnlyList<Bmv2MemberModel> Members);

/// <summary>ecmp_group_to_nhop GROUP INDEX => MAC PORT.</summary>
public sealed record Bmv2MemberModel(int Index, string Mac, int Port, string Neighbor);

/// <summary>templates/hosts/vip-up.sh.sbn and vip-down.sh.sbn: the VIP on a DIP for Direct Server Return.</summary>
public sealed record DipHostModel(string Host, string Interface, string Vip, string Gateway, int Mtu, int AdvMss);

/// <summary>templates/engines/engine.json.sbn: the engine config contract (docs in the engine's Lb.Core.Config).</summary>
public sealed record EngineConfigModel(
    int Version,
    string Role,
    string Host,
    string Interface,
    string Address,
    string? Mac,
    EngineGatewayModel Gateway,
    int Mtu,
    string ControlSocket,
    string PacketIo,
    IReadOnlyList<EngineVipModel> Vips,
    IReadOnlyList<EngineDipModel> Dips,
    IReadOnlyList<EngineMuxModel> Muxes,
    int TableSize,
    uint Seed,
    int Capacity,
    long IdleTimeoutSeconds,
    EngineHealthModel Health);

/// <summary>The engine's "health" object (durations in whole milliseconds).</summary>
public sealed record EngineHealthModel(bool Enabled, long IntervalMs, long TimeoutMs, int Rise, int Fall, long DeadAfterMs, int Port);

public sealed record EngineGatewayModel(string Address, string? Mac);

public sealed record EngineVipModel(string Address, IReadOnlyList<EnginePortModel> Ports, bool Icmp);

public sealed record EnginePortModel(string Protocol, int Port);

public sealed record EngineDipModel(string Name, string Address, int Weight);

public sealed record EngineMuxModel(string Name, string Address);
