using Lb.Core.Addressing;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>
/// Every path a packet to the VIP can take from one switch, following the forwarding plan's longest-prefix match
/// and each ECMP branch, until it reaches a host. For the summary; the verifier is what checks them.
/// </summary>
public static class VipPaths
{
    public static IReadOnlyList<string> From(ForwardingPlan plan, string switchName, Ipv4Address vip)
    {
        var paths = new List<string>();
        Walk(plan, switchName, vip, [switchName], paths);
        return paths;
    }

    private static void Walk(ForwardingPlan plan, string node, Ipv4Address vip, List<string> path, List<string> paths)
    {
        if (plan.Fabric.IsHost(node))
        {
            paths.Add(string.Join(" > ", path));
            return;
        }
        var route = plan.For(node).Routes
            .Where(r => r.Destination.Contains(vip))
            .MaxBy(r => r.Destination.Length);
        if (route is null)
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
            Walk(plan, hop.Neighbor, vip, path, paths);
            path.RemoveAt(path.Count - 1);
        }
    }
}
