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
        var routes = forwarding.Routes.Select((route, i) => new LinuxRouteModel(
            route.Destination.ToString(),
            KindName(route.Kind),
            route.NextHops.Select(hop => new LinuxNextHopModel(
                route.Kind == RouteKind.DirectHost ? null : ViaAddress(forwarding, route, hop),
                hop.Egress.Name,
                hop.Neighbor)).ToList(),
            StartsKind: i == 0 || forwarding.Routes[i - 1].Kind != route.Kind)).ToList();
        return new LinuxSwitchModel(forwarding.Switch.Name, interfaces, routes);
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
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<Bmv2EntryModel>();
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
            var members = route.NextHops.Select((hop, i) => new Bmv2MemberModel(i, hop.Ingress.Mac.ToString(), hop.Egress.Port, hop.Neighbor)).ToList();
            var key = string.Join(',', members.Select(m => Invariant($"{m.Mac}@{m.Port}")));
            Bmv2GroupModel? newGroup = null;
            if (!groups.TryGetValue(key, out var id))
            {
                id = groups.Count + 1;
                groups[key] = id;
                newGroup = new Bmv2GroupModel(id, members);
            }
            entries.Add(new Bmv2EntryModel(prefix, kind, "ecmp_group", Invariant($"{id} {members.Count}"), newGroup));
        }
        return new Bmv2SwitchModel(forwarding.Switch.Name, forwarding.Switch.DeviceId, forwarding.Switch.ThriftPort, entries);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
