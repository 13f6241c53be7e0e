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
        tables = new SwitchTable[SwitchNames.Length];
        for (var i = 0; i < SwitchNames.Length; i++)
        {
            index[SwitchNames[i]] = i;
            tables[i] = new SwitchTable(plan.Switches[i].Routes);
        }
    }

    public ForwardingPlan Plan { get; }

    public Fabric Fabric { get; }

    public string[] SwitchNames { get; }

    public int Count => tables.Length;

    public int? IndexOf(string switchName) => index.TryGetValue(switchName, out var i) ? i : null;

    public Route? Lookup(int switchIndex, Ipv4Address destination) => tables[switchIndex].Lookup(destination);

    public const int HostNeighbor = -1, UnknownNeighbor = -2;

    // The router shares NextHop instances between routes, so a reference-keyed cache resolves each port once.
    private readonly Dictionary<NextHop, int> neighbors = new(ReferenceEqualityComparer.Instance);

    /// <summary>The switch index of the next hop's neighbour, <see cref="HostNeighbor"/> or <see cref="UnknownNeighbor"/>.</summary>
    public int NeighborOf(NextHop hop)
    {
        if (neighbors.TryGetValue(hop, out var cached)) return cached;
        var resolved = index.TryGetValue(hop.Neighbor, out var i) ? i : Fabric.IsHost(hop.Neighbor) ? HostNeighbor : UnknownNeighbor;
        neighbors[hop] = resolved;
        return resolved;
    }

    private sealed class SwitchTable
    {
        private readonly int[] lengths;
        private readonly Dictionary<ulong, Route> routes;

        public SwitchTable(IReadOnlyCollection<Route> source)
        {
            routes = new Dictionary<ulong, Route>(source.Count);
            foreach (var route in source) routes.TryAdd(Key(route.Destination.Network.Value, route.Destination.Length), route);
            lengths = [.. routes.Values.Select(r => r.Destination.Length).Distinct().OrderDescending()];
        }

        public Route? Lookup(Ipv4Address destination)
        {
            foreach (var length in lengths)
                if (routes.TryGetValue(Key(destination.Value & Ipv4Prefix.MaskOf(length), length), out var route)) return route;
            return null;
        }

        private static ulong Key(uint network, int length) => ((ulong)network << 6) | (uint)length;
    }
}
