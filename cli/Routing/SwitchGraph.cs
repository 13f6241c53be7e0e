using System.Collections.Immutable;
using Lbdeploy.Topology;

namespace Lbdeploy.Routing;

/// <summary>
/// The switch-to-switch graph of a fabric with dense indices, and the <see cref="NextHop"/> objects of every
/// switch port, built once so routes share them. Hosts are leaves and never lie on a path between switches.
/// </summary>
internal sealed class SwitchGraph
{
    public const int Unreachable = int.MaxValue;

    private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);
    private readonly (int Neighbor, NextHop Hop)[][] adjacency;
    private readonly Dictionary<(int, string), NextHop> hostHops = [];

    public SwitchGraph(Fabric fabric)
    {
        for (var i = 0; i < fabric.Switches.Length; i++) index[fabric.Switches[i].Name] = i;
        adjacency = new (int, NextHop)[fabric.Switches.Length][];
        for (var i = 0; i < fabric.Switches.Length; i++)
        {
            var name = fabric.Switches[i].Name;
            var neighbors = new List<(int, NextHop)>();
            foreach (var link in fabric.LinksOf(name))
            {
                var egress = link.End(name);
                var ingress = link.Peer(name);
                var hop = new NextHop(ingress.Node, egress, ingress);
                if (index.TryGetValue(ingress.Node, out var j)) neighbors.Add((j, hop));
                else hostHops[(i, ingress.Node)] = hop;
            }
            adjacency[i] = [.. neighbors];
        }
    }

    public int Count => adjacency.Length;

    public int IndexOf(string switchName) => index[switchName];

    public NextHop HostNextHop(int switchIndex, string host) => hostHops[(switchIndex, host)];

    /// <summary>Hop counts from every switch to <paramref name="target"/>.</summary>
    public int[] Bfs(int target)
    {
        var dist = new int[Count];
        Array.Fill(dist, Unreachable);
        var queue = new Queue<int>();
        dist[target] = 0;
        queue.Enqueue(target);
        while (queue.Count > 0)
        {
            var u = queue.Dequeue();
            foreach (var (v, _) in adjacency[u])
            {
                if (dist[v] != Unreachable) continue;
                dist[v] = dist[u] + 1;
                queue.Enqueue(v);
            }
        }
        return dist;
    }

    /// <summary>The neighbours one step closer to the target of <paramref name="dist"/>: first hops of all shortest paths.</summary>
    public ImmutableArray<NextHop> NextHopsToward(int from, int[] dist)
    {
        // adjacency is in port order (Fabric.LinksOf) and has one entry per link, so the result is already sorted
        var neighbors = adjacency[from];
        var count = 0;
        foreach (var (v, _) in neighbors)
            if (dist[v] != Unreachable && dist[v] == dist[from] - 1) count++;
        var builder = ImmutableArray.CreateBuilder<NextHop>(count);
        foreach (var (v, hop) in neighbors)
            if (dist[v] != Unreachable && dist[v] == dist[from] - 1) builder.Add(hop);
        return builder.MoveToImmutable();
    }
}
