using System.Text.Json.Serialization;
using Lb.Core.Addressing;

namespace Lb.Core.Config;

public enum EngineRole
{
    Mux,
    Agent,
}

/// <summary>How an engine moves packets.</summary>
public enum PacketIoKind
{
    /// <summary>AF_PACKET TPACKET_V2 rings: in place, about one system call per batch (the agent injects on lo).</summary>
    Ring,
    /// <summary>The mux: libpcap through SharpPcap (one send call per packet); the agent: raw IP sockets.</summary>
    Pcap,
    /// <summary>An AF_XDP socket fed by lbengine's XDP program (the rest goes to the kernel's stack); falls back to rings where XDP cannot attach.</summary>
    Xdp,
}

/// <summary>The names of <see cref="PacketIoKind"/> in the engine config and in lb.yaml (one list for both).</summary>
public static class PacketIoNames
{
    public static readonly IReadOnlyList<string> All = ["ring", "pcap", "xdp"];

    public static string Name(this PacketIoKind kind) => kind switch
    {
        PacketIoKind.Pcap => "pcap",
        PacketIoKind.Xdp => "xdp",
        _ => "ring",
    };

    public static PacketIoKind? Parse(string text) => text switch
    {
        "ring" => PacketIoKind.Ring,
        "pcap" => PacketIoKind.Pcap,
        "xdp" => PacketIoKind.Xdp,
        _ => null,
    };
}

public enum TransportProtocol
{
    Tcp,
    Udp,
}

/// <summary>The names of <see cref="TransportProtocol"/> in the engine config (and in lb.yaml's <c>80/tcp</c>).</summary>
public static class TransportProtocolNames
{
    public static string Name(this TransportProtocol protocol) => protocol == TransportProtocol.Udp ? "udp" : "tcp";

    public static TransportProtocol? Parse(string text) => text switch
    {
        "tcp" => TransportProtocol.Tcp,
        "udp" => TransportProtocol.Udp,
        _ => null,
    };
}

/// <summary>
/// The one contract between lbdeploy and lbengine (engine/README.md documents the JSON). Immutable; written with
/// <see cref="EngineConfigJson"/>, read with <see cref="EngineConfigLoader"/>, which checks the document and
/// <see cref="EngineConfigValidator"/>'s rules and reports every error at once. Defaults: <see cref="EngineDefaults"/>.
/// </summary>
public sealed record EngineConfig
{
    public const int CurrentVersion = 1;

    [JsonRequired]
    public int Version { get; init; } = CurrentVersion;
    public required EngineRole Role { get; init; }
    /// <summary>Mininet host name, for logs and stats.</summary>
    public required string Host { get; init; }
    /// <summary>Capture/send interface.</summary>
    public required string Interface { get; init; }
    /// <summary>Own address: the mux's outer source, the agent's outer destination.</summary>
    public required Ipv4Address Address { get; init; }
    /// <summary>Own MAC; null: read from the interface.</summary>
    public MacAddress? Mac { get; init; }
    public required GatewayConfig Gateway { get; init; }
    /// <summary>Link MTU toward the gateway.</summary>
    public int Mtu { get; init; } = EngineDefaults.Mtu;
    public required string ControlSocket { get; init; }
    /// <summary>The packet I/O path.</summary>
    public PacketIoKind PacketIo { get; init; } = EngineDefaults.PacketIo;
    /// <summary>
    /// Mux: packet threads, each with its own ring in one PACKET_FANOUT group that the kernel fills by flow hash (so a
    /// flow stays on one thread and its connection table); ring path only.
    /// </summary>
    public int PacketThreads { get; init; } = EngineDefaults.PacketThreads;
    public required IReadOnlyList<VipConfig> Vips { get; init; }
    /// <summary>Mux: the backend pool.</summary>
    public IReadOnlyList<DipConfig> Dips { get; init; } = [];
    /// <summary>Agent: accepted outer sources.</summary>
    public IReadOnlyList<MuxPeerConfig> Muxes { get; init; } = [];
    public HashConfig Hash { get; init; } = new();
    public ConnectionsConfig Connections { get; init; } = new();
    /// <summary>DIP health checking (agent probes its server, reports to the muxes); null: off, every DIP counts as up.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HealthConfig? Health { get; init; }
    /// <summary>Prometheus endpoint; null: off (the control command <c>metrics</c> works regardless).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MetricsConfig? Metrics { get; init; }
    /// <summary>Second chance for flows that changed muxes after a pool change (engine/README.md); null: off.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SecondChanceConfig? SecondChance { get; init; }

    /// <summary>Health checking is configured and enabled.</summary>
    [JsonIgnore]
    public bool HealthEnabled => Health is { Enabled: true };

    /// <summary>The second chance is configured and enabled.</summary>
    [JsonIgnore]
    public bool SecondChanceEnabled => SecondChance is { Enabled: true };
}

/// <summary>The next hop every packet the mux sends goes to. Mac null: neighbour table, else ARP.</summary>
public sealed record GatewayConfig(Ipv4Address Address, MacAddress? Mac = null);

/// <summary>A VIP and what it serves. <see cref="Icmp"/>: ICMP echo to the VIP is load-balanced too.</summary>
public sealed record VipConfig(Ipv4Address Address, IReadOnlyList<VipPort> Ports, bool Icmp = false)
{
    public bool Serves(TransportProtocol protocol, int port)
    {
        foreach (var candidate in Ports)
            if (candidate.Protocol == protocol && candidate.Port == port) return true;
        return false;
    }
}

public sealed record VipPort(TransportProtocol Protocol, int Port);

/// <summary>A backend. Weight 0: drained (keeps its established flows, gets no new ones).</summary>
public sealed record DipConfig(string Name, Ipv4Address Address, int Weight = EngineDefaults.Weight);

public sealed record MuxPeerConfig(string Name, Ipv4Address Address);

/// <summary>Maglev table size (prime) and the flow-hash seed; every mux of a VIP must use the same values.</summary>
public sealed record HashConfig(int TableSize = EngineDefaults.TableSize, uint Seed = EngineDefaults.Seed);

public sealed record ConnectionsConfig(int Capacity = EngineDefaults.Capacity, int IdleTimeoutSeconds = EngineDefaults.IdleTimeoutSeconds);

/// <summary>
/// Ananta-style health checking: every <see cref="IntervalMs"/> the agent connects to VIP:port (each TCP port) inside
/// its host, smooths the result with <see cref="Rise"/>/<see cref="Fall"/>, and sends a UDP report to every mux at
/// <see cref="Port"/>; a mux takes a DIP out of the Maglev table when it reports unhealthy or is silent for
/// <see cref="DeadAfterMs"/>.
/// </summary>
/// <remarks><see cref="Enabled"/> is written first: it says whether the rest applies.</remarks>
public sealed record HealthConfig(
    int IntervalMs = EngineDefaults.HealthIntervalMs,
    int TimeoutMs = EngineDefaults.HealthTimeoutMs,
    int Rise = EngineDefaults.HealthRise,
    int Fall = EngineDefaults.HealthFall,
    int DeadAfterMs = EngineDefaults.HealthDeadAfterMs,
    int Port = EngineDefaults.HealthPort,
    [property: JsonPropertyOrder(-1)] bool Enabled = EngineDefaults.HealthEnabled)
{
    /// <summary>
    /// An HTTP check instead of a TCP connect: GET <see cref="HttpHealthCheck.Path"/> from VIP:port and expect
    /// <see cref="HttpHealthCheck.ExpectStatus"/> (absent: a TCP connect is the probe).
    /// </summary>
    [JsonPropertyOrder(10)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HttpHealthCheck? Http { get; init; }

    [JsonIgnore]
    public TimeSpan Interval => TimeSpan.FromMilliseconds(IntervalMs);
    [JsonIgnore]
    public TimeSpan Timeout => TimeSpan.FromMilliseconds(TimeoutMs);
    [JsonIgnore]
    public TimeSpan DeadAfter => TimeSpan.FromMilliseconds(DeadAfterMs);
}

/// <summary>The HTTP health probe: <c>"http": {"path": "/healthz", "expect_status": 200}</c>.</summary>
public sealed record HttpHealthCheck(string Path, int ExpectStatus = EngineDefaults.HealthHttpStatus);

/// <summary>Where the engine serves <c>GET /metrics</c> (Prometheus text format), inside its host: <c>"listen": "ADDRESS:PORT"</c>.</summary>
public sealed record MetricsConfig(Ipv4Endpoint Listen)
{
    public override string ToString() => Listen.ToString();
}

/// <summary>
/// The second chance (engine/README.md): the mux carries the earlier owners of a flow's Maglev bucket in the outer
/// header, and an agent that has no such connection passes the packet on to them. <see cref="Peers"/> (agent): the
/// other DIPs' agents it sends to and accepts redirected packets from.
/// </summary>
public sealed record SecondChanceConfig(
    bool Enabled = EngineDefaults.SecondChanceEnabled,
    int RetentionSeconds = EngineDefaults.SecondChanceRetentionSeconds)
{
    private readonly IReadOnlyList<PeerConfig> _peers = [];

    /// <summary>Absent: none (the generated reader sets an absent init-only property to null).</summary>
    public IReadOnlyList<PeerConfig> Peers
    {
        get => _peers;
        init => _peers = value ?? [];
    }

    [JsonIgnore]
    public TimeSpan Retention => TimeSpan.FromSeconds(RetentionSeconds);
}

/// <summary>Another DIP's agent: a redirect target and an accepted outer source.</summary>
public sealed record PeerConfig(string Name, Ipv4Address Address);
