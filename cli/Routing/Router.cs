using System.Collections.Immutable;
using Lb.Core.Addressing;
using Lbdeploy.Topology;

namespace Lbdeploy.Routing;

/// <summary>
/// Computes the forwarding plan the course's ECMP routing controller installs, plus the VIP routes:
/// <list type="bullet">
/// <item>every host attached to a switch: a /32 straight to the host;</item>
/// <item>every host attached to another switch: the host's subnet (/24), next hops = the first hops of all shortest
/// paths to that switch (one next hop = set_nhop, more = an ECMP group);</item>
/// <item>every VIP: a /32. Where mux hosts of the VIP attach, an even split among those muxes; elsewhere toward the
/// nearest switches with muxes (anycast; ties are ECMP over the first hops of all shortest paths to all of them).</item>
/// </list>
/// Next hops are distinct and ordered by egress port; routes are ordered by prefix. Shortest paths are computed once per
/// destination switch (BFS) and a switch's next hops toward it are the neighbours one step closer.
/// </summary>
public static class Router
{
    public static ForwardingPlan Build(Fabric fabric, IReadOnlyList<VipPlacement> vips)
    {
        ArgumentNullException.ThrowIfNull(fabric);
        ArgumentNullException.ThrowIfNull(vips);
        var graph = new SwitchGraph(fabric);
        ValidateVips(fabric, vips);

        var hostsBySwitch = new List<FabricHost>[graph.Count];
        for (var i = 0; i < graph.Count; i++) hostsBySwitch[i] = [];
        foreach (var host in fabric.Hosts) hostsBySwitch[graph.IndexOf(fabric.AttachmentOf(host).Name)].Add(host);

        // One BFS per destination switch, shared by the host routes and the VIP routes.
        var vipRouting = new VipRouting(fabric, graph);
        int[] DistancesTo(int target) => vipRouting.DistancesTo(target);

        var perSwitch = new List<Route>[graph.Count];
        for (var i = 0; i < graph.Count; i++) perSwitch[i] = new List<Route>(fabric.Hosts.Length + vips.Count);

        for (var target = 0; target < graph.Count; target++)
        {
            if (hostsBySwitch[target].Count == 0) continue;
            var dist = DistancesTo(target);
            // hosts that share a subnet (mixed addressing) share one route
            var subnets = hostsBySwitch[target].Select(h => h.Address.Subnet).Distinct().ToArray();
            for (var s = 0; s < graph.Count; s++)
            {
                if (s == target)
                {
                    foreach (var host in hostsBySwitch[s])
                        perSwitch[s].Add(new Route(Ipv4Prefix.Host(host.Address.Address), RouteKind.DirectHost, [graph.HostNextHop(s, host.Name)]));
                    continue;
                }
                if (dist[s] == SwitchGraph.Unreachable) continue; // disconnected: the verifier reports the black hole
                var nextHops = graph.NextHopsToward(s, dist);
                foreach (var subnet in subnets) perSwitch[s].Add(new Route(subnet, RouteKind.RemoteHost, nextHops));
            }
        }

        foreach (var vip in vips)
        {
            var routes = vipRouting.RoutesOf(vip.Vip, vip.Muxes);
            for (var s = 0; s < graph.Count; s++)
            {
                if (routes[s] is { } route) perSwitch[s].Add(route);
            }
        }

        var switches = ImmutableArray.CreateBuilder<SwitchForwarding>(graph.Count);
        for (var i = 0; i < graph.Count; i++)
        {
            perSwitch[i].Sort(static (x, y) => x.Destination.CompareTo(y.Destination));
            switches.Add(new SwitchForwarding(fabric.Switches[i], [.. perSwitch[i]]));
        }
        return new ForwardingPlan(fabric, switches.MoveToImmutable(), [.. vips]);
    }

    private static void ValidateVips(Fabric fabric, IReadOnlyList<VipPlacement> vips)
    {
        var errors = new List<string>();
        var hostAddresses = fabric.Hosts.ToDictionary(h => h.Address.Address, h => h.Name);
        var seen = new HashSet<Ipv4Address>();
        foreach (var vip in vips)
        {
            if (!seen.Add(vip.Vip)) errors.Add($"VIP {vip.Vip} is placed twice (merge the placements)");
            if (hostAddresses.TryGetValue(vip.Vip, out var owner)) errors.Add($"VIP {vip.Vip} is the address of host {owner} (pick an unused address)");
            if (vip.Muxes.IsDefaultOrEmpty) errors.Add($"VIP {vip.Vip} has no muxes (name at least one mux host)");
            else
                foreach (var mux in vip.Muxes.Where(m => fabric.FindHost(m) is null))
                    errors.Add($"mux '{mux}' of VIP {vip.Vip} is not a host of {fabric.Source} (use one of its hosts)");
        }
        if (errors.Count > 0) throw new RoutingException(string.Join("; ", errors));
    }
}
