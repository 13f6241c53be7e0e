using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>
/// Turns one switch's target-neutral routes into the Linux and bmv2 models. Routes share their next-hop instances
/// (the router builds one per port), so everything derived from a next hop is formatted once per switch, keyed by
/// reference: a k=16 fat-tree switch has ~1000 routes over a few dozen next hops.
/// </summary>
public static class SwitchRules
{
    public static string KindName(RouteKind kind) => kind switch
    {
        RouteKind.DirectHost => "attached hosts",
        RouteKind.RemoteHost => "remote hosts",
        RouteKind.Vip => "VIP",
        _ => kind.ToString(),
    };

    public static LinuxSwitchModel Linux(SwitchForwarding forwarding, IReadOnlyList<string> interfaces, PrefixNames prefixes)
    {
        // (next hop, attached host?) -> the next hop as `ip route` spells it; an attached host is reached by `dev` alone.
        var formatted = new Dictionary<(NextHop, bool), LinuxNextHop>(ReferenceFlagComparer<NextHop>.Instance);
        LinuxNextHop Format(Route route, NextHop hop)
        {
            var direct = route.Kind == RouteKind.DirectHost;
            if (!formatted.TryGetValue((hop, direct), out var text))
            {
                text = new LinuxNextHop(direct ? null : ViaAddress(forwarding, route, hop), hop.Egress.Name);
                formatted[(hop, direct)] = text;
            }
            return text;
        }

        // Each distinct ECMP list becomes one shell variable (ecmp1, ecmp2... by first use); routes expand it.
        var ecmpNames = new Dictionary<LinuxNextHop[], string>(ReferenceListComparer.Instance);
        var ecmpTargets = new Dictionary<(NextHop[], bool), string>(ReferenceFlagComparer<NextHop[]>.Instance);
        var ecmpSets = new List<LinuxEcmpSetModel>();
        var groups = new List<LinuxRouteGroupModel>();
        var allPrefixes = new string[forwarding.Routes.Length];
        List<string>? group = null;
        for (var i = 0; i < forwarding.Routes.Length; i++)
        {
            var route = forwarding.Routes[i];
            string target;
            if (route.NextHops.Length > 1)
            {
                var listKey = (ListOf(route), route.Kind == RouteKind.DirectHost);
                if (ecmpTargets.TryGetValue(listKey, out var known))
                {
                    target = known;
                }
                else
                {
                    var hops = new LinuxNextHop[route.NextHops.Length];
                    for (var h = 0; h < hops.Length; h++) hops[h] = Format(route, route.NextHops[h]);
                    if (!ecmpNames.TryGetValue(hops, out var name))
                    {
                        name = string.Create(CultureInfo.InvariantCulture, $"ecmp{ecmpSets.Count + 1}");
                        ecmpNames[hops] = name;
                        ecmpSets.Add(new LinuxEcmpSetModel(name, string.Join(' ', hops.Select(hop => $"nexthop via {hop.Via} dev {hop.Dev}"))));
                    }
                    target = "$" + name;
                    ecmpTargets[listKey] = target;
                }
            }
            else
            {
                target = Format(route, route.NextHops[0]).Target;
            }
            if (group is null || route.Kind != forwarding.Routes[i - 1].Kind)
            {
                group = [];
                groups.Add(new LinuxRouteGroupModel(KindName(route.Kind), group));
            }
            var prefix = prefixes.Of(route.Destination);
            allPrefixes[i] = prefix;
            group.Add(prefix + " " + target);
        }
        return new LinuxSwitchModel(forwarding.Switch.Name, interfaces, ecmpSets, groups, allPrefixes);
    }

    /// <summary>One next hop; <see cref="Via"/> is null for an attached host. <see cref="Target"/>: the route's target when it is the only hop.</summary>
    private sealed class LinuxNextHop(string? via, string dev)
    {
        public string? Via { get; } = via;

        public string Dev { get; } = dev;

        public string Target { get; } = via is null ? $"dev {dev}" : $"via {via} dev {dev}";
    }

    /// <summary>Lists of the (cached, so shared) next hops, equal when they hold the same instances in the same order.</summary>
    private sealed class ReferenceListComparer : IEqualityComparer<LinuxNextHop[]>
    {
        public static readonly ReferenceListComparer Instance = new();

        public bool Equals(LinuxNextHop[]? x, LinuxNextHop[]? y)
        {
            if (x is null || y is null || x.Length != y.Length) return false;
            for (var i = 0; i < x.Length; i++)
                if (!ReferenceEquals(x[i], y[i])) return false;
            return true;
        }

        public int GetHashCode(LinuxNextHop[] hops)
        {
            var hash = new HashCode();
            foreach (var hop in hops) hash.Add(RuntimeHelpers.GetHashCode(hop));
            return hash.ToHashCode();
        }
    }

    /// <summary>(instance by reference, flag): NextHop is a record whose value equality compares whole interfaces.</summary>
    private sealed class ReferenceFlagComparer<T> : IEqualityComparer<(T Item, bool Flag)>
        where T : class
    {
        public static readonly ReferenceFlagComparer<T> Instance = new();

        public bool Equals((T Item, bool Flag) x, (T Item, bool Flag) y) => ReferenceEquals(x.Item, y.Item) && x.Flag == y.Flag;

        public int GetHashCode((T Item, bool Flag) obj) => RuntimeHelpers.GetHashCode(obj.Item) * 2 + (obj.Flag ? 1 : 0);
    }

    /// <summary>
    /// The array behind a route's next hops. The router gives every route toward one switch the same array (a fat
    /// tree: the ~8 subnets of a ToR), so a cache keyed by it does the per-list work once per list, not per route.
    /// </summary>
    private static NextHop[] ListOf(Route route) => ImmutableCollectionsMarshal.AsArray(route.NextHops)!;

    private static string ViaAddress(SwitchForwarding forwarding, Route route, NextHop hop) =>
        hop.Ingress.Address?.Address.ToString()
        ?? throw new InvalidOperationException(
            $"switch {forwarding.Switch.Name}: route {route.Destination} goes to {hop.Neighbor} over a link without addresses; " +
            "the linux target needs addressed links (p4-utils assignment_strategy l3)");

    /// <summary>
    /// bmv2 entries in route order. ECMP groups are numbered per switch by first use of a next-hop set (1, 2, ...),
    /// as the course's routing controller does, so equal sets share one group.
    /// </summary>
    public static Bmv2SwitchModel Bmv2(SwitchForwarding forwarding, PrefixNames prefixes)
    {
        var groups = new Dictionary<(ulong Mac, int Port)[], int>(MemberListComparer.Instance);
        var groupOfList = new Dictionary<NextHop[], int>(ReferenceEqualityComparer.Instance);
        var nhopArguments = new Dictionary<NextHop, string>(ReferenceEqualityComparer.Instance);
        var blocks = new List<Bmv2BlockModel>();
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
            if (!groupOfList.TryGetValue(ListOf(route), out var id))
            {
                var key = GroupKey(route);
                if (!groups.TryGetValue(key, out id))
                {
                    id = groups.Count + 1;
                    groups[key] = id;
                    var members = route.NextHops.Select((hop, i) => new Bmv2MemberModel(i, hop.Ingress.Mac.ToString(), hop.Egress.Port, hop.Neighbor)).ToList();
                    blocks.Add(new Bmv2BlockModel(new Bmv2GroupModel(id, members), entries = []));
                }
                groupOfList[ListOf(route)] = id;
            }
            if (entries is null) blocks.Add(new Bmv2BlockModel(null, entries = []));
            entries.Add(Invariant($"ecmp_group {prefix} => {id} {route.NextHops.Length}"));
        }
        return new Bmv2SwitchModel(forwarding.Switch.Name, forwarding.Switch.DeviceId, forwarding.Switch.ThriftPort, blocks);
    }

    /// <summary>
    /// What <see cref="Bmv2"/>'s commands add, without formatting them: the summary shows these counts for every
    /// target, and a linux plan has no other use for the bmv2 model. One ipv4_lpm entry per route, plus the members
    /// of each distinct group.
    /// </summary>
    public static Bmv2Counts CountBmv2(SwitchForwarding forwarding)
    {
        var groups = new HashSet<(ulong Mac, int Port)[]>(MemberListComparer.Instance);
        var seenLists = new HashSet<NextHop[]>(ReferenceEqualityComparer.Instance);
        var members = 0;
        foreach (var route in forwarding.Routes)
        {
            if (route.IsEcmp && seenLists.Add(ListOf(route)) && groups.Add(GroupKey(route))) members += route.NextHops.Length;
        }
        return new Bmv2Counts(forwarding.Routes.Length + members, groups.Count);
    }

    /// <summary>A group is its member list (neighbour MAC, port), compared as numbers.</summary>
    private static (ulong Mac, int Port)[] GroupKey(Route route)
    {
        var key = new (ulong, int)[route.NextHops.Length];
        for (var i = 0; i < key.Length; i++) key[i] = (route.NextHops[i].Ingress.Mac.Value, route.NextHops[i].Egress.Port);
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
