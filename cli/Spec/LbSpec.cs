using System.Collections.Immutable;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lbdeploy.Bgp;

namespace Lbdeploy.Spec;

/// <summary>
/// A validated <c>lb.yaml</c>: what to load-balance (the VIP and its ports), where (the topology file), with which
/// hosts (muxes, DIPs, clients) and how (switch target, engine settings, the server command). Paths are absolute.
/// Built by <see cref="SpecReader"/>; every default is already applied.
/// </summary>
public sealed record LbSpec(
    string SpecPath,
    string DisplayPath,
    string TopologyPath,
    string TopologyAsWritten,
    VipSpec Vip,
    ImmutableArray<string> Muxes,
    ImmutableArray<DipSpec> Dips,
    ImmutableArray<string>? Clients,
    SwitchTarget Target,
    EngineSpec Engine,
    ServersSpec Servers,
    VerifySpec Verify,
    SpecSourceMap Source)
{
    /// <summary>The directory relative paths in the spec are resolved against.</summary>
    public string BaseDirectory => Path.GetDirectoryName(SpecPath)!;

    /// <summary>DIP health checking (agents probe their server and report to the muxes).</summary>
    public HealthSpec Health { get; init; } = HealthSpec.Default;

    /// <summary>The BGP settings of the frr target (its defaults on the other targets, which run no BGP).</summary>
    public BgpSettings Bgp { get; init; } = BgpSettings.Default;

    /// <summary>switches.hash_seed when lb.yaml gives none.</summary>
    public const uint DefaultFabricHashSeed = 1;

    /// <summary>switches.hash_seed: what each Linux-router switch's fib_multipath_hash_seed is derived from (KernelMultipath.SwitchSeed).</summary>
    public uint FabricHashSeed { get; init; } = DefaultFabricHashSeed;

    /// <summary>
    /// The inventory (an Ansible YAML inventory) that maps every node to a real machine reached over SSH; null when
    /// the deployment goes onto the testbed's nodes through mnexec.
    /// </summary>
    public string? InventoryPath { get; init; }

    /// <summary>The inventory path as lb.yaml wrote it (for messages).</summary>
    public string? InventoryAsWritten { get; init; }
}

/// <summary>
/// DIP health checking, Ananta style: every <see cref="Interval"/> each agent connects to VIP:port inside its host
/// (timeout <see cref="Timeout"/>, debounced with <see cref="Rise"/>/<see cref="Fall"/>) and reports to every mux on
/// UDP <see cref="Port"/>; a mux takes a DIP out on an unhealthy report or after <see cref="DeadAfter"/> of silence.
/// </summary>
public sealed record HealthSpec(bool Enabled, TimeSpan Interval, TimeSpan Timeout, int Rise, int Fall, TimeSpan DeadAfter, int Port)
{
    /// <summary>The HTTP check (<c>health.http</c>): GET this path and expect this status, instead of a TCP connect.</summary>
    public HttpHealthSpec? Http { get; init; }

    public static readonly HealthSpec Default = new(
        EngineDefaults.HealthEnabled,
        TimeSpan.FromMilliseconds(EngineDefaults.HealthIntervalMs),
        TimeSpan.FromMilliseconds(EngineDefaults.HealthTimeoutMs),
        EngineDefaults.HealthRise,
        EngineDefaults.HealthFall,
        TimeSpan.FromMilliseconds(EngineDefaults.HealthDeadAfterMs),
        EngineDefaults.HealthPort);
}

/// <summary>An HTTP health check: GET <see cref="Path"/> from VIP:port inside the DIP and expect <see cref="ExpectStatus"/>.</summary>
public sealed record HttpHealthSpec(string Path, int ExpectStatus);

/// <summary>The virtual IP, the ports it serves and whether ping to it is load-balanced too.</summary>
public sealed record VipSpec(Ipv4Address Address, ImmutableArray<PortSpec> Ports, bool Icmp);

/// <summary>One served port and its transport protocol; written 80/tcp.</summary>
public sealed record PortSpec(int Port, TransportProtocol Protocol)
{
    public override string ToString() => $"{Port}/{Protocol.Name()}";
}

/// <summary>A backend host and its Maglev weight (0 = drained: keeps its flows, gets no new ones).</summary>
public sealed record DipSpec(string Host, int Weight);

public enum SwitchTarget
{
    /// <summary>Mininet hosts acting as Linux routers, programmed with <c>ip route</c>.</summary>
    Linux,

    /// <summary>bmv2 simple_switch running p4/ecmp.p4, programmed with simple_switch_CLI.</summary>
    Bmv2,

    /// <summary>Linux routers running FRR: eBGP on every link (RFC 7938), the muxes announcing the VIP.</summary>
    Frr,
}

public static class SwitchTargets
{
    public static readonly ImmutableArray<string> Names = ["linux", "bmv2", "frr"];

    public static string Name(this SwitchTarget target) => target switch
    {
        SwitchTarget.Linux => "linux",
        SwitchTarget.Bmv2 => "bmv2",
        SwitchTarget.Frr => "frr",
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    public static SwitchTarget? Parse(string name) => name switch
    {
        "linux" => SwitchTarget.Linux,
        "bmv2" => SwitchTarget.Bmv2,
        "frr" => SwitchTarget.Frr,
        _ => null,
    };
}

/// <summary>
/// The engines' settings. <see cref="PacketIo"/>: how the engines move packets, "ring" (AF_PACKET rings), "pcap"
/// (the mux uses libpcap, the agent raw IP sockets) or "xdp" (AF_XDP, falling back to rings).
/// </summary>
public sealed record EngineSpec(HashSpec Hash, ConnectionsSpec Connections, PacketIoKind PacketIo)
{
    public static readonly EngineSpec Default = new(HashSpec.Default, ConnectionsSpec.Default, EngineDefaults.PacketIo);

    public SecondChanceSpec SecondChance { get; init; } = SecondChanceSpec.Default;

    /// <summary>Each mux's packet threads (engine/README.md, "Packet threads"); the agents run one.</summary>
    public int PacketThreads { get; init; } = EngineDefaults.PacketThreads;
}

/// <summary>
/// The second chance (engine/README.md): muxes carry a flow's earlier owners after a pool change, and a DIP's agent
/// passes a packet of a connection it does not hold on to them. <see cref="Retention"/>: how long a replaced
/// table's owners stay alternates.
/// </summary>
public sealed record SecondChanceSpec(bool Enabled, TimeSpan Retention)
{
    public static readonly SecondChanceSpec Default = new(EngineDefaults.SecondChanceEnabled, TimeSpan.FromSeconds(EngineDefaults.SecondChanceRetentionSeconds));
}

/// <summary>Maglev lookup table size (prime) and the flow-hash seed.</summary>
public sealed record HashSpec(int TableSize, uint Seed)
{
    public static readonly HashSpec Default = new(EngineDefaults.TableSize, EngineDefaults.Seed);
}

/// <summary>The connection table: how many flows it tracks and how long an idle flow is remembered.</summary>
public sealed record ConnectionsSpec(int Capacity, TimeSpan IdleTimeout)
{
    public static readonly ConnectionsSpec Default = new(EngineDefaults.Capacity, TimeSpan.FromSeconds(EngineDefaults.IdleTimeoutSeconds));
}

/// <summary>
/// The server each DIP runs. <see cref="Command"/> still has its placeholders ({vip} {docroot} {host} {port});
/// <see cref="DocRoot"/> is absolute, <see cref="DocRootAsWritten"/> is the spec's text (for deterministic output).
/// </summary>
public sealed record ServersSpec(string Command, string DocRoot, string DocRootAsWritten)
{
    public const string DefaultCommand = "php -S {vip}:{port} -t {docroot}";
    public const string DefaultDocRoot = "wwwroot";
    public static readonly ImmutableArray<string> Placeholders = ["vip", "docroot", "host", "port"];
}

/// <summary>What `lbdeploy verify` fetches through the VIP.</summary>
public sealed record VerifySpec(string Path)
{
    public const string DefaultPath = "/";
}
