using System.Globalization;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>The bmv2 target: simple_switch_CLI commands for p4/ecmp.p4 (templates/switches/bmv2.txt.sbn).</summary>
public static partial class SwitchRules
{
    /// <summary>
    /// bmv2 entries in route order. ECMP groups are numbered per switch by first use of a next-hop set (1, 2, ...),
    /// as the course's routing controller does, so equal sets share one group; each group's members follow the
    /// plan's <see cref="EcmpLayout"/> (n next hops, each repeated stride times, interleaved).
    /// </summary>
    public static Bmv2SwitchModel Bmv2(SwitchForwarding forwarding, PrefixNames prefixes, EcmpLayout layout)
    {
        var name = forwarding.Switch.Name;
        var groups = new Dictionary<(ulong Mac, int Port)[], int>(MemberListComparer.Instance);
        var groupOfList = new Dictionary<NextHop[], (int Id, int Members)>(ReferenceEqualityComparer.Instance);
        var nhopArguments = new Dictionary<NextHop, string>(ReferenceEqualityComparer.Instance);
        var blocks = new List<Bmv2BlockModel>();
        var vipGroups = new Dictionary<string, int>(StringComparer.Ordinal);
        List<string>? entries = null;
        foreach (var route in forwarding.Routes)
        {
            var prefix = prefixes.Of(route.Destination);
            if (!route.IsEcmp)
            {
                var hop = route.NextHops.Single();
                if (!nhopArguments.TryGetValue(hop, out var arguments))
                {
                    arguments = Invariant($"{hop.Ingress.Mac} {hop.Egress.Port}");
                    nhopArguments[hop] = arguments;
                }
                if (entries is null) blocks.Add(new Bmv2BlockModel(null, entries = []));
                entries.Add($"set_nhop {prefix} => {arguments}");
                continue;
            }
            if (!groupOfList.TryGetValue(ListOf(route), out var group))
            {
                var stride = layout.StrideOf(name, route);
                var key = GroupKey(route, stride);
                if (!groups.TryGetValue(key, out var id))
                {
                    id = groups.Count + 1;
                    groups[key] = id;
                    blocks.Add(new Bmv2BlockModel(new Bmv2GroupModel(id, Bmv2Members(route.NextHops, stride)), entries = []));
                }
                group = (id, EcmpLayout.Members(route.NextHops.Length, stride));
                groupOfList[ListOf(route)] = group;
            }
            if (entries is null) blocks.Add(new Bmv2BlockModel(null, entries = []));
            entries.Add(Invariant($"ecmp_group {prefix} => {group.Id} {group.Members}"));
            if (route.Kind == RouteKind.Vip) vipGroups[prefix] = group.Id;
        }
        return new Bmv2SwitchModel(forwarding.Switch.Name, forwarding.Switch.DeviceId, forwarding.Switch.ThriftPort, blocks)
        {
            VipGroups = vipGroups,
            Groups = groups.Count,
        };
    }

    /// <summary>
    /// The members of a group over <paramref name="nextHops"/> with <paramref name="stride"/>: n * stride of them,
    /// member i forwarding to next hop <see cref="EcmpLayout.NextHopOf"/>(i) (the plan's polarisation layout).
    /// </summary>
    public static List<Bmv2MemberModel> Bmv2Members(IReadOnlyList<NextHop> nextHops, int stride)
    {
        var count = EcmpLayout.Members(nextHops.Count, stride);
        var members = new List<Bmv2MemberModel>(count);
        for (var member = 0; member < count; member++)
        {
            var hop = nextHops[EcmpLayout.NextHopOf(member, nextHops.Count, stride)];
            members.Add(new Bmv2MemberModel(member, hop.Ingress.Mac.ToString(), hop.Egress.Port, hop.Neighbor));
        }
        return members;
    }

    /// <summary>
    /// What <see cref="Bmv2"/>'s commands add, without formatting them: the summary shows these counts for every
    /// target, and a linux plan has no other use for the bmv2 model. One ipv4_lpm entry per route, plus the members
    /// of each distinct group.
    /// </summary>
    public static Bmv2Counts CountBmv2(SwitchForwarding forwarding, EcmpLayout layout)
    {
        var groups = new HashSet<(ulong Mac, int Port)[]>(MemberListComparer.Instance);
        var seenLists = new HashSet<NextHop[]>(ReferenceEqualityComparer.Instance);
        var members = 0;
        foreach (var route in forwarding.Routes)
        {
            if (!route.IsEcmp || !seenLists.Add(ListOf(route))) continue;
            var stride = layout.StrideOf(forwarding.Switch.Name, route);
            if (groups.Add(GroupKey(route, stride))) members += EcmpLayout.Members(route.NextHops.Length, stride);
        }
        return new Bmv2Counts(forwarding.Routes.Length + members, groups.Count);
    }

    /// <summary>A group is its next hops (neighbour MAC, port), compared as numbers, and its stride (last, as port -stride).</summary>
    private static (ulong Mac, int Port)[] GroupKey(Route route, int stride)
    {
        var key = new (ulong, int)[route.NextHops.Length + 1];
        for (var i = 0; i < route.NextHops.Length; i++) key[i] = (route.NextHops[i].Ingress.Mac.Value, route.NextHops[i].Egress.Port);
        key[^1] = (0, -stride);
        return key;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed class MemberListComparer : IEqualityComparer<(ulong Mac, int Port)[]>
    {
        public static readonly MemberListComparer Instance = new();

        public bool Equals((ulong Mac, int Port)[]? x, (ulong Mac, int Port)[]? y) =>
            x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode((ulong Mac, int Port)[] members)
        {
            var hash = new HashCode();
            foreach (var member in members) hash.Add(member);
            return hash.ToHashCode();
        }
    }
}
