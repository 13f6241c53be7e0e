using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lb.Core.Stats;

/// <summary>
/// The reply to the control command <c>stats</c> (snake_case JSON, see engine/README.md). Mux-only and agent-only
/// members are null for the other role and omitted from the JSON.
/// </summary>
public sealed record EngineStats
{
    public bool Ok { get; init; } = true;
    public required string Role { get; init; }
    public required string Host { get; init; }
    public required int Pid { get; init; }
    public required double UptimeSeconds { get; init; }
    public required string Interface { get; init; }
    public required string Address { get; init; }
    public long PacketsIn { get; init; }
    public long BytesIn { get; init; }
    public long PacketsOut { get; init; }
    public long BytesOut { get; init; }
    /// <summary>Packets forwarded (mux: encapsulated and sent; agent: delivered). packets_in == forwarded + sum(drops).</summary>
    public long Forwarded { get; init; }
    /// <summary>Reason (snake_case) -> count; every reason is present, zero or not.</summary>
    public required IReadOnlyDictionary<string, long> Drops { get; init; }
    /// <summary>Current (not idle) flow-table entries.</summary>
    public long Connections { get; init; }
    public required IReadOnlyList<VipStats> Vips { get; init; }
    public IReadOnlyList<DipStats>? Dips { get; init; }
    public IReadOnlyList<MuxPeerStats>? Muxes { get; init; }
    /// <summary>Mux: packets seen inbound whose IP source is a VIP (must stay 0 with DSR).</summary>
    public long? DsrViolations { get; init; }
    /// <summary>Mux: ICMP "fragmentation needed" messages sent to clients.</summary>
    public long? IcmpSent { get; init; }
    /// <summary>Mux: TCP/UDP checksums completed (left unfinished by the sender's offload).</summary>
    public long? ChecksumsFinished { get; init; }
    /// <summary>Mux: frames the kernel dropped before the mux saw them (capture ring or buffer full), since start.</summary>
    public long? KernelDrops { get; init; }
    /// <summary>Mux: packet threads (packet_threads); the counters above are their sum.</summary>
    public int? PacketThreads { get; init; }
    /// <summary>Mux with more than one packet thread: packets in per thread, in thread order (how the kernel's fanout spread the flows).</summary>
    public IReadOnlyList<long>? ThreadPackets { get; init; }
    /// <summary>Frame path (mux; agent with packet_io ring): whether the interface's link is up now (while down the engine
    /// waits for it and its <c>health</c> fails with the reason).</summary>
    public bool? LinkUp { get; init; }
    /// <summary>Frame path: times the link went down since start.</summary>
    public long? LinkDownEvents { get; init; }
    /// <summary>Frame path: seconds spent with the link down since start, the current outage included.</summary>
    public double? LinkDownSeconds { get; init; }
    /// <summary>Frame path: unexpected errors it rode out (a socket error on a link that is up, a failed re-open, a
    /// packet-thread failure), each logged once.</summary>
    public long? PacketIoErrors { get; init; }
    /// <summary>Mux: flows pushed out of a full connection-table bucket.</summary>
    public long? ConnectionEvictions { get; init; }
    public long Reloads { get; init; }
    /// <summary>Control connections by result (served, failed, too_large, timeout, invalid_utf8, malformed, unknown_command, bad_argument, busy).</summary>
    public IReadOnlyDictionary<string, long>? ControlRequests { get; init; }
    /// <summary>Mux with health checking: valid reports from configured DIPs (each one sets that DIP's last_report_ms).</summary>
    public long? HealthReports { get; init; }
    /// <summary>Mux with health checking: datagrams dropped: from an address that is not a DIP, or naming another DIP.</summary>
    public long? HealthReportsRejected { get; init; }
    /// <summary>Mux with health checking: datagrams that are not a version-1 report, or older than the last one seen.</summary>
    public long? HealthReportsMalformed { get; init; }
    /// <summary>Agent with health checking: the server's state after rise/fall (what the reports say).</summary>
    public bool? ServerHealthy { get; init; }
    /// <summary>Agent with health checking: probe rounds (a connect to every TCP port of every VIP) that succeeded / failed.</summary>
    public long? HealthProbes { get; init; }
    public long? HealthProbesFailed { get; init; }
    /// <summary>Agent with health checking: reports sent (one per mux per interval) / sends that failed.</summary>
    public long? HealthReportsSent { get; init; }
    public long? HealthReportsFailed { get; init; }
    /// <summary>With the second chance on (absent otherwise): what it did.</summary>
    public SecondChanceStats? SecondChance { get; init; }
}

/// <summary>
/// Mux: <see cref="Marked"/> packets sent with alternates, the pool history's versions and bytes. Agent: packets
/// redirected to / received from each peer and in total, and the kernel sock_diag lookups with their total time.
/// </summary>
public sealed record SecondChanceStats(
    IReadOnlyList<PeerStats>? Peers = null, long? RedirectedOut = null, long? RedirectedIn = null,
    long? SockDiagLookups = null, long? SockDiagNanoseconds = null,
    long? Marked = null, int? PoolVersions = null, long? PoolBytes = null);

public sealed record PeerStats(string Name, string Address, long RedirectedOut, long RedirectedIn);

public sealed record VipStats(string Address, long Packets, long Bytes, long Flows);

/// <summary>
/// A DIP as the mux sees it. Weight: the effective weight (a runtime override set by the control command
/// <c>weight</c>, else the config's); config_weight: the config's; weight_override: whether an override holds.
/// State "drained": weight 0 or drained by the control socket. Flows: new flows assigned since start; active_flows:
/// flow-table entries (not idle) pointing at it now. With health checking: health "up" or "down" (separate from
/// state: a drained DIP can be up) and last_report_ms, the age of its last report (null: none yet).
/// </summary>
public sealed record DipStats(string Name, string Address, int Weight, string State, long Packets, long Bytes, long Flows, long ActiveFlows,
    string? Health = null, long? LastReportMs = null, int? ConfigWeight = null, bool? WeightOverride = null);

public sealed record MuxPeerStats(string Name, string Address, long Packets);

/// <summary>The JSON settings every control reply uses (snake_case, nulls omitted).</summary>
public static class ControlJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };
}
