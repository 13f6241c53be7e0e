using System.Collections.Immutable;
using Lb.Core.Addressing;
using Lbdeploy.Topology;

namespace Lbdeploy.Routing;

/// <summary>
/// The VIP routes of a fabric for one placement: on a switch with mux hosts of the VIP an even split among them;
/// elsewhere toward the nearest switches with muxes (anycast; ties are ECMP over the first hops of all shortest paths
/// to all of them). The router uses it for the plan's placement; the bmv2 failover plan for each set of live muxes
/// (shortest paths are computed once per mux switch and reused).
/// </summary>
public sealed class VipRouting
{
    private readonly Fabric fabric;
    private readonly SwitchGraph graph;
    private readonly HashSet<string>[] hostsBySwitch;
    private readonly int[]?[] distances;

    public VipRouting(Fabric fabric) : this(fabric, new SwitchGraph(fabric))
    {
    }

    internal VipRouting(Fabric fabric, SwitchGraph graph)
    {
        this.fabric = fabric;
        this.graph = graph;
        hostsBySwitch = new HashSet<string>[graph.Count];
        for (var i = 0; i < graph.Count; i++) hostsBySwitch[i] = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in fabric.Hosts) hostsBySwitch[graph.IndexOf(fabric.AttachmentOf(host).Name)].Add(host.Name);
        distances = new int[]?[graph.Count];
    }

    internal int[] DistancesTo(int target) => distances[target] ??= graph.Bfs(target);

    /// <summary>Each switch's hops to the nearest switch with one of <paramref name="muxes"/> (0 there; int.MaxValue: none reachable).</summary>
    public int[] HopsToMuxes(IReadOnlyList<string> muxes)
    {
        var muxSwitches = muxes.Select(m => graph.IndexOf(fabric.AttachmentOf(fabric.FindHost(m)!).Name)).Distinct().ToArray();
        var hops = new int[graph.Count];
        for (var s = 0; s < graph.Count; s++) hops[s] = muxSwitches.Select(m => DistancesTo(m)[s]).Min();
        return hops;
    }

    /// <summary>
    /// The VIP's route on every switch (index = the fabric's switch order), null where no mux is reachable.
    /// <paramref name="muxes"/> must be hosts of the fabric.
    /// </summary>
    public Route?[] RoutesOf(Ipv4Address vip, IReadOnlyList<string> muxes)
    {
        var routes = new Route?[graph.Count];
        var muxSwitches = muxes.Select(m => graph.IndexOf(fabric.AttachmentOf(fabric.FindHost(m)!).Name)).Distinct().ToArray();
        var destination = Ipv4Prefix.Host(vip);
        for (var s = 0; s < graph.Count; s++)
        {
            ImmutableArray<NextHop> nextHops;
            if (muxSwitches.Contains(s))
            {
                nextHops = [.. muxes
                    .Where(hostsBySwitch[s].Contains)
                    .Select(m => graph.HostNextHop(s, m))
                    .DistinctBy(n => n.Neighbor)
                    .OrderBy(n => n.Egress.Port)];
            }
            else
            {
                var nearest = muxSwitches.Select(m => DistancesTo(m)[s]).Min();
                if (nearest == SwitchGraph.Unreachable) continue;
                nextHops = [.. muxSwitches
                    .Where(m => DistancesTo(m)[s] == nearest)
                    .SelectMany(m => graph.NextHopsToward(s, DistancesTo(m)))
                    .DistinctBy(n => n.Neighbor)
                    .OrderBy(n => n.Egress.Port)];
            }
            routes[s] = new Route(destination, RouteKind.Vip, nextHops);
        }
        return routes;
    }
}
