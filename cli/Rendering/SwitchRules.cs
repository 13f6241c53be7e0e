using System.Globalization;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>Turns one switch's target-neutral routes into the Linux and bmv2 models.</summary>
public static class SwitchRules
{
    public static string KindName(RouteKind kind) => kind switch
    {
        RouteKind.DirectHost => "attached hosts",
        RouteKind.RemoteHost => "remote hosts",
        RouteKind.Vip => "VIP",
        _ => kind.ToString(),
    };

    public static LinuxSwitchModel Linux(SwitchForwarding forwarding, IReadOnlyList<string> interfaces)
    {
        // Routes share next hops (the router reuses NextHop instances): format each one once, not once per route
        // (a k=16 fat tree has ~1000 routes of 8 next hops per switch).
        var formatted = new Dictionary<(NextHop, bool), LinuxNextHopModel>(ReferenceTupleComparer.Instance);
        LinuxNextHopModel Format(Route route, NextHop hop)
        {
            var direct = route.Kind == RouteKind.DirectHost;
            if (!formatted.TryGetValue((hop, direct), out var model))
            {
                model = new LinuxNextHopModel(direct ? null : ViaAddress(forwarding, route, hop), hop.Egress.Name);
                formatted[(hop, direct)] = model;
            }
            return model;
        }
        // Each distinct ECMP list becomes one shell variable (ecmp1, ecmp2... by first use); routes expand it.
        var ecmpNames = new Dictionary<LinuxNextHopModel[], string>(ReferenceListComparer.Instance);
        var ecmpSets = new List<LinuxEcmpSetModel>();
        var routes = new List<LinuxRouteModel>(forwarding.Routes.Length);
        for (var i = 0; i < forwarding.Routes.Length; i++)
        {
            var route = forwarding.Routes[i];
            var hops = new LinuxNextHopModel[route.NextHops.Length];
            for (var h = 0; h < hops.Length; h++) hops[h] = Format(route, route.NextHops[h]);
            string target;
            if (hops.Length > 1)
            {
                if (!ecmpNames.TryGetValue(hops, out var name))
                {
                    name = string.Create(CultureInfo.InvariantCulture, $"ecmp{ecmpSets.Count + 1}");
                    ecmpNames[hops] = name;
                    ecmpSets.Add(new LinuxEcmpSetModel(name, string.Join(' ', hops.Select(hop => $"nexthop via {hop.Via} dev {hop.Dev}"))));
                }
                target = "$" + name;
            }
            else
            {
                target = hops[0].Via is null ? $"dev {hops[0].Dev}" : $"via {hops[0].Via} dev {hops[0].Dev}";
            }
            routes.Add(new LinuxRouteModel(route.Destination.ToString(), KindName(route.Kind), target,
                StartsKind: i == 0 || forwarding.Routes[i - 1].Kind != route.Kind));
        }
        return new LinuxSwitchModel(forwarding.Switch.Name, interfaces, routes) { EcmpSets = ecmpSets };
    }

    /// <summary>Lists of the (cached, so shared) next-hop models, equal when they hold the same instances in the same order.</summary>
    private sealed class ReferenceListComparer : IEqualityComparer<LinuxNextHopModel[]>
    {
        public static readonly ReferenceListComparer Instance = new();

        public bool Equals(LinuxNextHopModel[]? x, LinuxNextHopModel[]? y)
        {
            if (x is null || y is null || x.Length != y.Length) return false;
            for (var i = 0; i < x.Length; i++)
                if (!ReferenceEquals(x[i], y[i])) return false;
            return true;
        }

        public int GetHashCode(LinuxNextHopModel[] hops)
        {
            var hash = new HashCode();
            foreach (var hop in hops) hash.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(hop));
            return hash.ToHashCode();
        }
    }

    /// <summary>(next hop by reference, flag): NextHop is a record whose value equality compares whole interfaces.</summary>
    private sealed class ReferenceTupleComparer : IEqualityComparer<(NextHop Hop, bool Flag)>
    {
        public static readonly ReferenceTupleComparer Instance = new();

        public bool Equals((NextHop Hop, bool Flag) x, (NextHop Hop, bool Flag) y) => ReferenceEquals(x.Hop, y.Hop) && x.Flag == y.Flag;

        public int GetHashCode((NextHop Hop, bool Flag) obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Hop) * 2 + (obj.Flag ? 1 : 0);
    }

    private static string ViaAddress(SwitchForwarding forwarding, Route route, NextHop hop) =>
        hop.Ingress.Address?.Address.ToString()
        ?? throw new InvalidOperationException(
            $"switch {forwarding.Switch.Name}: route {route.Destination} goes to {hop.Neighbor} over a link without addresses; " +
            "the linux target needs addressed links (p4-utils assignment_strategy l3)");

    /// <summary>
    /// bmv2 entries in route order. ECMP groups are numbered per switch by first use of a next-hop set (1, 2, ...),
    /// as the course's routing controller does, so equal sets share one group.
    /// </summary>
    public static Bmv2SwitchModel Bmv2(SwitchForwarding forwarding)
    {
        // A group is its member list (neighbour MAC, port); compared as numbers so that only a new group's members
        // are formatted (a k=16 fat tree has ~1000 ECMP routes per switch and a handful of distinct groups).
        var groups = new Dictionary<(ulong Mac, int Port)[], int>(MemberListComparer.Instance);
        var entries = new List<Bmv2EntryModel>(forwarding.Routes.Length);
        foreach (var route in forwarding.Routes)
        {
            var prefix = route.Destination.ToString();
            var kind = KindName(route.Kind);
            if (!route.IsEcmp)
            {
                var hop = route.NextHops.Single();
                entries.Add(new Bmv2EntryModel(prefix, kind, "set_nhop", Invariant($"{hop.Ingress.Mac} {hop.Egress.Port}"), null));
                continue;
            }
            var key = new (ulong, int)[route.NextHops.Length];
            for (var i = 0; i < key.Length; i++) key[i] = (route.NextHops[i].Ingress.Mac.Value, route.NextHops[i].Egress.Port);
            Bmv2GroupModel? newGroup = null;
            if (!groups.TryGetValue(key, out var id))
            {
                id = groups.Count + 1;
                groups[key] = id;
                newGroup = new Bmv2GroupModel(id, route.NextHops.Select((hop, i) => new Bmv2MemberModel(i, hop.Ingress.Mac.ToString(), hop.Egress.Port, hop.Neighbor)).ToList());
            }
            entries.Add(new Bmv2EntryModel(prefix, kind, "ecmp_group", Invariant($"{id} {key.Length}"), newGroup));
        }
        return new Bmv2SwitchModel(forwarding.Switch.Name, forwarding.Switch.DeviceId, forwarding.Switch.ThriftPort, entries);
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
