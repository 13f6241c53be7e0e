using System.Runtime.InteropServices;
using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Topology;

namespace Lbdeploy.Verification;

/// <summary>
/// Longest-prefix-match lookup over a <see cref="ForwardingPlan"/>, the way bmv2's ipv4_lpm table matches: per switch
/// one hash table keyed by (masked address, length), probed from the longest installed length down.
/// </summary>
internal sealed class ForwardingTables
{
    private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);
    private readonly SwitchTable[] tables;

    public ForwardingTables(ForwardingPlan plan)
    {
        Plan = plan;
        Fabric = plan.Fabric;
        SwitchNames = [.. plan.Switches.Select(s => s.Switch.Name)];
        for (var i = 0; i < SwitchNames.Length; i++) index[SwitchNames[i]] = i;
        // The router gives every route toward one switch the same next-hop array: resolve each array once.
        var resolved = new Dictionary<NextHop[], int[]>(ReferenceEqualityComparer.Instance);
        int[] Neighbors(Route route)
        {
            var hops = ImmutableCollectionsMarshal.AsArray(route.NextHops) ?? [];
            if (!resolved.TryGetValue(hops, out var neighbors))
            {
                neighbors = [.. hops.Select(NeighborOf)];
                resolved[hops] = neighbors;
            }
            return neighbors;
        }
        tables = new SwitchTable[SwitchNames.Length];
        for (var i = 0; i < SwitchNames.Length; i++) tables[i] = new SwitchTable(plan.Switches[i].Routes, Neighbors);
    }

    public ForwardingPlan Plan { get; }

    public Fabric Fabric { get; }

    public string[] SwitchNames { get; }

    public int Count => tables.Length;

    public int? IndexOf(string switchName) => index.TryGetValue(switchName, out var i) ? i : null;

    public Route? Lookup(int switchIndex, Ipv4Address destination) => tables[switchIndex].Lookup(destination)?.Route;

    /// <summary>
    /// The matching route and, per next hop, the neighbour's switch index, <see cref="HostNeighbor"/> or
    /// <see cref="UnknownNeighbor"/> (resolved when the table is built: the verifier follows ~3 million next hops on a
    /// k=16 fat tree).
    /// </summary>
    public Match? Find(int switchIndex, Ipv4Address destination) => tables[switchIndex].Lookup(destination);

    public const int HostNeighbor = -1, UnknownNeighbor = -2;

    private int NeighborOf(NextHop hop) =>
        index.TryGetValue(hop.Neighbor, out var i) ? i : Fabric.IsHost(hop.Neighbor) ? HostNeighbor : UnknownNeighbor;

    /// <summary>A route and the resolved neighbour of each of its next hops (same order).</summary>
    public sealed record Match(Route Route, int[] Neighbors);

    private sealed class SwitchTable
    {
        private readonly int[] lengths;
        private readonly Dictionary<ulong, Match> routes;

        public SwitchTable(IReadOnlyCollection<Route> source, Func<Route, int[]> neighbors)
        {
            routes = new Dictionary<ulong, Match>(source.Count);
            foreach (var route in source)
            {
                var key = Key(route.Destination.Network.Value, route.Destination.Length);
                if (!routes.ContainsKey(key)) routes[key] = new Match(route, neighbors(route));
            }
            lengths = [.. routes.Values.Select(r => r.Route.Destination.Length).Distinct().OrderDescending()];
        }

        public Match? Lookup(Ipv4Address destination)
        {
            foreach (var length in lengths)
                if (routes.TryGetValue(Key(destination.Value & Ipv4Prefix.MaskOf(length), length), out var match)) return match;
            return null;
        }

        private static ulong Key(uint network, int length) => ((ulong)network << 6) | (uint)length;
    }
}
