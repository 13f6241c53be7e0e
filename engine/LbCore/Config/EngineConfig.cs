using Lb.Core.Addressing;

namespace Lb.Core.Config;

public enum EngineRole
{
    Mux,
    Agent,
}

public enum TransportProtocol
{
    Tcp,
    Udp,
}

/// <summary>
/// The one contract between lbdeploy and lbengine (engine/README.md documents the JSON). Immutable; load it with
/// <see cref="EngineConfigLoader"/>, which validates everything and reports every error at once.
/// </summary>
public sealed record EngineConfig
{
    public const int CurrentVersion = 1;

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
    public int Mtu { get; init; } = 1500;
    public required string ControlSocket { get; init; }
    public required IReadOnlyList<VipConfig> Vips { get; init; }
    /// <summary>Mux: the backend pool.</summary>
    public IReadOnlyList<DipConfig> Dips { get; init; } = [];
    /// <summary>Agent: accepted outer sources.</summary>
    public IReadOnlyList<MuxPeerConfig> Muxes { get; init; } = [];
    public HashConfig Hash { get; init; } = new();
    public ConnectionsConfig Connections { get; init; } = new();
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
public sealed record DipConfig(string Name, Ipv4Address Address, int Weight = 1);

public sealed record MuxPeerConfig(string Name, Ipv4Address Address);

/// <summary>Maglev table size (prime) and the flow-hash seed; every mux of a VIP must use the same values.</summary>
public sealed record HashConfig(int TableSize = 65537, uint Seed = 0);

public sealed record ConnectionsConfig(int Capacity = 65536, int IdleTimeoutSeconds = 120);
