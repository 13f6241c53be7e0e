using Lb.Core.Addressing;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>
/// Every path a packet to the VIP can take from one switch, following the forwarding plan's longest-prefix match
/// and each ECMP branch, until it reaches a host. For the summary; the verifier is what checks them.
/// </summary>
public sealed class VipPaths
{
    private readonly ForwardingPlan plan;
    private readonly Ipv4Address vip;

    // A switch's VIP route, looked up once: a k=16 fat tree walks ~8000 paths through ~40000 switch visits, and a
    // lookup scans the switch's ~1000 routes.
    private readonly Dictionary<string, Route?> routes;

    public VipPaths(ForwardingPlan plan, Ipv4Address vip)
    {
        this.plan = plan;
        this.vip = vip;
        routes = new Dictionary<string, Route?>(plan.Switches.Length, StringComparer.Ordinal);
        foreach (var switchForwarding in plan.Switches) routes[switchForwarding.Switch.Name] = LongestMatch(switchForwarding);
    }

    public IReadOnlyList<string> From(string switchName)
    {
        var paths = new List<string>();
        Walk(switchName, [switchName], paths);
        return paths;
    }

    private void Walk(string node, List<string> path, List<string> paths)
    {
        if (plan.Fabric.IsHost(node))
        {
            paths.Add(string.Join(" > ", path));
            return;
        }
        if (routes[node] is not { } route)
        {
            paths.Add(string.Join(" > ", path) + " (no route: dropped)");
            return;
        }
        foreach (var hop in route.NextHops)
        {
            if (path.Contains(hop.Neighbor))
            {
                paths.Add(string.Join(" > ", path) + $" > {hop.Neighbor} (loop)");
                continue;
            }
            path.Add(hop.Neighbor);
            Walk(hop.Neighbor, path, paths);
            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>The longest prefix holding the VIP (the first of equally long ones, as MaxBy picks).</summary>
    private Route? LongestMatch(SwitchForwarding switchForwarding)
    {
        Route? best = null;
        foreach (var route in switchForwarding.Routes)
        {
            if (route.Destination.Contains(vip) && (best is null || route.Destination.Length > best.Destination.Length)) best = route;
        }
        return best;
    }
}
