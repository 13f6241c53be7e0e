namespace Lbdeploy.Rendering;

// The models templates format. Code decides every value (addresses, order, group ids); templates only lay them out.

// Switch scripts are most of a large plan (a k=16 fat tree: 330,000 routes), and the template interpreter pays for
// every member it reads and every `if`: their hot loops iterate lists of preformatted strings, one per line.

/// <summary>templates/switches/linux.sh.sbn and linux.down.sh.sbn: one switch as a Linux router.</summary>
/// <param name="EcmpSets">The distinct ECMP next-hop lists, each a shell variable the routes expand (a k=16 fat-tree
/// switch has ~1000 routes over a handful of lists: spelling each list once keeps the script ~8 times smaller).</param>
/// <param name="RouteGroups">The routes in prefix order, cut where the kind changes (the script heads each run).</param>
/// <param name="Prefixes">Every route's prefix in the same order (what the teardown deletes).</param>
public sealed record LinuxSwitchModel(
    string Switch,
    IReadOnlyList<string> Interfaces,
    MultipathHashModel Multipath,
    IReadOnlyList<LinuxEcmpSetModel> EcmpSets,
    IReadOnlyList<LinuxRouteGroupModel> RouteGroups,
    IReadOnlyList<string> Prefixes);

/// <summary>
/// templates/switches/forwarding.sh.sbn: the switch's fib_multipath_hash_fields and its pinned
/// fib_multipath_hash_seed (<see cref="Ecmp.KernelMultipath"/>), which is what makes its ECMP choice computable.
/// </summary>
public sealed record MultipathHashModel(int Policy, string Fields, uint Seed)
{
    public static MultipathHashModel Of(uint fabricSeed, string switchName) =>
        new(Ecmp.KernelMultipath.Policy, Ecmp.KernelMultipath.FieldsText, Ecmp.KernelMultipath.SwitchSeed(fabricSeed, switchName));
}

/// <summary>`NAME='nexthop via A dev X nexthop via B dev Y'`.</summary>
public sealed record LinuxEcmpSetModel(string Name, string NextHops);

/// <summary>
/// Consecutive routes of one kind. A route is what follows `ip route replace`: `PREFIX dev X`, `PREFIX via A dev X`,
/// or `PREFIX $ecmpN` (an ECMP set).
/// </summary>
public sealed record LinuxRouteGroupModel(string Kind, IReadOnlyList<string> Routes);

/// <summary>templates/switches/bmv2.txt.sbn: simple_switch_CLI commands for p4/ecmp.p4.</summary>
public sealed record Bmv2SwitchModel(string Switch, int DeviceId, int ThriftPort, IReadOnlyList<Bmv2BlockModel> Blocks)
{
    /// <summary>The ECMP group each VIP prefix's entry uses (absent for a set_nhop entry): the mux watcher restores it.</summary>
    public IReadOnlyDictionary<string, int> VipGroups { get; init; } = new Dictionary<string, int>();

    /// <summary>How many ECMP groups the commands install (ids 1..Groups); the mux watcher's own groups come after.</summary>
    public int Groups { get; init; }
}

/// <summary>
/// ipv4_lpm entries in route order, cut before each entry that uses an ECMP group first: <see cref="NewGroup"/>'s
/// ecmp_group_to_nhop members are written just before the block's entries (null for a first block without one).
/// An entry is what follows `table_add ipv4_lpm`: `set_nhop PREFIX => MAC PORT` or `ecmp_group PREFIX => GROUP COUNT`.
/// </summary>
public sealed record Bmv2BlockModel(Bmv2GroupModel? NewGroup, IReadOnlyList<string> Entries);

public sealed record Bmv2GroupModel(int Id, IReadOnlyList<Bmv2MemberModel> Members);

/// <summary>ecmp_group_to_nhop GROUP INDEX => MAC PORT.</summary>
public sealed record Bmv2MemberModel(int Index, string Mac, int Port, string Neighbor);

/// <summary>How many ipv4_lpm and ecmp_group_to_nhop entries a switch's bmv2 commands add, and its ECMP groups (the summary's counts).</summary>
public readonly record struct Bmv2Counts(int TableEntries, int EcmpGroups)
{
    /// <summary>The counts of a rendered model: every ipv4_lpm entry plus each new group's members.</summary>
    public static Bmv2Counts Of(Bmv2SwitchModel model)
    {
        int entries = 0, groups = 0;
        foreach (var block in model.Blocks)
        {
            entries += block.Entries.Count;
            if (block.NewGroup is { } group)
            {
                groups++;
                entries += group.Members.Count;
            }
        }
        return new Bmv2Counts(entries, groups);
    }
}

/// <summary>templates/hosts/vip-up.sh.sbn and vip-down.sh.sbn: the VIP on a DIP for Direct Server Return.</summary>
public sealed record DipHostModel(string Host, string Interface, string Vip, string Gateway, int Mtu, int AdvMss);

/// <summary>
/// templates/frr/frr.conf.sbn: one BGP speaker's FRR configuration (a switch, or a mux host announcing the VIP).
/// <see cref="PrefixListLines"/> are whole `ip prefix-list` lines (a k=16 fat tree: ~1000 per switch, preformatted).
/// </summary>
public sealed record FrrConfigModel(
    string Defaults,
    string Node,
    string Kind,
    string Role,
    int Pod,
    uint Asn,
    string RouterId,
    bool MultipathRelax,
    int? MaximumPaths,
    IReadOnlyList<string> PrefixListLines,
    IReadOnlyList<FrrRouteMapModel> RouteMaps,
    FrrBfdModel? Bfd,
    IReadOnlyList<string> Networks,
    IReadOnlyList<FrrNeighborModel> Neighbors);

/// <summary>`route-map NAME permit 10` matching the prefix-list of the same name, or `deny 10` (nothing passes).</summary>
public sealed record FrrRouteMapModel(string Name, bool Permit);

/// <summary>The BFD profile of the mux sessions.</summary>
public sealed record FrrBfdModel(string Profile, int IntervalMilliseconds, int Multiplier);

/// <summary>One eBGP session: the peer's address and ASN, what it is, BFD or not, the import and export route-maps.</summary>
public sealed record FrrNeighborModel(string Address, uint RemoteAs, string Peer, string Interface, bool Bfd, string Import, string Export);

/// <summary>templates/frr/switch.sh.sbn: a switch's kernel settings under FRR (forwarding, ECMP hash, rp_filter).</summary>
public sealed record FrrSwitchKernelModel(string Switch, IReadOnlyList<string> Interfaces, MultipathHashModel Multipath);
