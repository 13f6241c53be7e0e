namespace Lb.Core.Stats;

/// <summary>
/// How many flows one <c>conns</c> reply lists: the engine's default and bound, and lbdeploy's <c>conns --limit</c>
/// (the bound keeps a reply far below <c>ControlClient.MaxReplyBytes</c>: a row is about 150 bytes).
/// </summary>
public static class ConnectionDumpLimits
{
    public const int Default = 100;
    public const int Max = 10_000;
}

/// <summary>
/// The reply to <c>conns [LIMIT]</c>: the mux's live flows, most recently used first, at most <see cref="Limit"/>;
/// <see cref="Live"/> counts every live flow seen by the scan, so <see cref="Truncated"/> says the list was cut.
/// </summary>
public sealed record ConnectionsReply
{
    public bool Ok { get; init; } = true;
    public required string Host { get; init; }
    public required int Limit { get; init; }
    public required long Live { get; init; }
    public required bool Truncated { get; init; }
    public required IReadOnlyList<ConnectionRow> Connections { get; init; }
}

/// <summary>
/// One flow of a mux's connection table. Client and VIP are ADDRESS:PORT for TCP and UDP; for an ICMP echo flow the
/// client's port is the echo identifier; for fragments and other protocols the ports are 0. Dip is null when the flow
/// points at an address no longer in the pool (its next packet picks again).
/// </summary>
public sealed record ConnectionRow(string Protocol, string Client, string Vip, string? Dip, string DipAddress, long AgeMs, long IdleMs);

/// <summary>
/// The reply to <c>lookup PROTO SRC:PORT DST:PORT</c>: where the mux sends that flow's next packet (not a SYN) and
/// why: <c>connection_table</c> (an established flow, with its age and idle time) or <c>maglev</c> (a new flow, or
/// one whose DIP left the pool or is down); <c>none</c> when no DIP has weight (dropped as no_backend).
/// </summary>
public sealed record FlowLookupReply
{
    public bool Ok { get; init; } = true;
    public required string Host { get; init; }
    public required string Flow { get; init; }
    public required string Source { get; init; }
    public string? Dip { get; init; }
    public string? DipAddress { get; init; }
    public long? AgeMs { get; init; }
    public long? IdleMs { get; init; }
    /// <summary>
    /// The second chance: the earlier owners of the flow's Maglev slot that the mux would put into the outer header of
    /// a TCP packet of this flow that is not a SYN, right now, newest first; empty when the second chance is off, the
    /// flow is not TCP, or the slot never moved within the retention.
    /// </summary>
    public IReadOnlyList<FlowAlternate> Alternates { get; init; } = [];

    public const string FromConnectionTable = "connection_table";
    public const string FromMaglev = "maglev";
    public const string NoBackend = "none";
}

/// <summary>
/// One second-chance alternate of a flow: the DIP (null when the address is no longer a DIP of the mux's config) that
/// owned the flow's slot in a table the mux replaced at <see cref="ReplacedAt"/>, <see cref="ReplacedMsAgo"/> ago.
/// </summary>
public sealed record FlowAlternate(string? Dip, string Address, DateTimeOffset ReplacedAt, long ReplacedMsAgo);

/// <summary>
/// The reply to <c>weight NAME N</c>: the DIP's effective weight now, its config's weight, and whether a runtime
/// override holds (false once N equals the config's weight: that clears it).
/// </summary>
public sealed record WeightReply
{
    public bool Ok { get; init; } = true;
    public required string Host { get; init; }
    public required string Dip { get; init; }
    public required int Weight { get; init; }
    public required int ConfigWeight { get; init; }
    public required bool WeightOverride { get; init; }
    public required string State { get; init; }
}
