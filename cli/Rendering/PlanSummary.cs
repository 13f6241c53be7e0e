namespace Lbdeploy.Rendering;

/// <summary>
/// What a plan does, in numbers and names: rendered as <c>summary.txt</c> (templates/summary.txt.sbn) and serialized
/// as <c>plan.json</c> (what `lbdeploy plan --json` prints). Paths are as the spec wrote them, so the summary is the
/// same on every machine.
/// </summary>
public sealed record PlanSummary(
    string Spec,
    string Target,
    SummaryTopology Topology,
    SummaryVip Vip,
    IReadOnlyList<SummaryMux> Muxes,
    IReadOnlyList<SummaryDip> Dips,
    IReadOnlyList<string> Clients,
    SummaryEngine Engine,
    SummaryServers Servers,
    string VerifyPath,
    IReadOnlyList<SummarySwitch> Switches,
    IReadOnlyList<SummaryVipPaths> VipPaths,
    SummaryVerification Verification,
    IReadOnlyList<SummaryFolder> Folders,
    IReadOnlyList<string> Files)
{
    /// <summary>docs/json.md's schema version, first in plan.json.</summary>
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = Common.JsonSchema.Version;

    /// <summary>The frr target's ASN plan and sessions (absent for the other targets).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public SummaryBgp? Bgp { get; init; }
}

/// <summary>How many of the plan's files one folder holds ("" for the top level).</summary>
public sealed record SummaryFolder(string Folder, int Files);

/// <param name="ShapedLinks">Links with options (bw, delay, loss, max_queue_size), applied only by `up --shape` / `testbed up --shape`.</param>
/// <param name="LinkOptions">Which of those options any link sets.</param>
public sealed record SummaryTopology(string Path, int Hosts, int Switches, int Links, int ShapedLinks, IReadOnlyList<string> LinkOptions);

public sealed record SummaryVip(string Address, IReadOnlyList<string> Ports, bool Icmp);

public sealed record SummaryMux(string Host, string Address, string Switch);

/// <summary><see cref="Share"/>: the fraction of new flows the DIP receives (its share of the Maglev table).</summary>
public sealed record SummaryDip(string Host, string Address, string Switch, int Weight, double Share);

public sealed record SummaryEngine(int TableSize, uint Seed, int ConnectionCapacity, string IdleTimeout);

/// <summary>The server command line with its placeholders (substituted per DIP in the plan).</summary>
public sealed record SummaryServers(string Command, string DocRoot);

/// <summary>Rule counts of one switch: routes by kind, and what they become on bmv2.</summary>
public sealed record SummarySwitch(string Name, int DeviceId, int ThriftPort, int Routes, int EcmpRoutes, int VipRoutes, int Bmv2TableEntries, int Bmv2EcmpGroups);

/// <summary>Every equal-cost path the VIP takes from the switch of some clients to a mux (node names, hop by hop).</summary>
public sealed record SummaryVipPaths(string Switch, IReadOnlyList<string> Clients, IReadOnlyList<string> Paths);

/// <summary>The static checks of the forwarding plan (every one passed, or the plan would not exist).</summary>
public sealed record SummaryVerification(int Checks, IReadOnlyList<string> Results);
