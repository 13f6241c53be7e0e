using System.Runtime.InteropServices;
using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Topology;

namespace Lbdeploy.Verification;

/// <summary>
/// Longest-prefix-match lookup over a <see cref="ForwardingPlan"/>, the way bmv2's ipv4_lpm table matches: the longest
/// installed prefix that holds the address wins. Stored by prefix first and switch second (prefix -> each switch's
/// route for it): the verifier walks every switch toward one destination at a time, and then reads a few contiguous
/// arrays instead of probing one hash table per switch (a k=16 fat tree: 320 tables of ~1000 routes, which missed the
/// CPU caches on nearly every probe).
/// </summary>
internal sealed class ForwardingTables
{
    private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, Match?[]> byPrefix = [];
    private readonly int[] lengths;

    public ForwardingTables(ForwardingPlan plan)
    {
        Plan = plan;
        Fabric = plan.Fabric;
        SwitchNames = [.. plan.Switches.Select(s => s.Switch.Name)];
        for (var i = 0; i < SwitchNames.Length; i++) index[SwitchNames[i]] = i;
        // The router gives every route toward one switch the same next-hop array: resolve each array once.
        var resolved = new Dictionary<NextHop[], int[]>(ReferenceEqualityComparer.Instance);
        var installed = new bool[33]; // prefix lengths 0-32
        for (var s = 0; s < SwitchNames.Length; s++)
        {
            foreach (var route in plan.Switches[s].Routes)
            {
                var key = Key(route.Destination.Network.Value, route.Destination.Length);
                if (!byPrefix.TryGetValue(key, out var perSwitch))
                {
                    perSwitch = new Match?[SwitchNames.Length];
                    byPrefix[key] = perSwitch;
                    installed[route.Destination.Length] = true;
                }
                if (perSwitch[s] is not null) continue; // a repeated prefix: the first route wins, as in a table
                var hops = ImmutableCollectionsMarshal.AsArray(route.NextHops) ?? [];
                if (!resolved.TryGetValue(hops, out var neighbors))
                {
                    neighbors = [.. hops.Select(NeighborOf)];
                    resolved[hops] = neighbors;
                }
                perSwitch[s] = new Match(route, neighbors);
            }
        }
        lengths = [.. Enumerable.Range(0, installed.Length).Where(length => installed[length]).Reverse()];
    }

    public ForwardingPlan Plan { get; }

    public Fabric Fabric { get; }

    public string[] SwitchNames { get; }

    public int Count => SwitchNames.Length;

    public int? IndexOf(string switchName) => index.TryGetValue(switchName, out var i) ? i : null;

    public Route? Lookup(int switchIndex, Ipv4Address destination) => Toward(destination).At(switchIndex)?.Route;

    /// <summary>The routes every switch could use toward <paramref name="destination"/>; see <see cref="RoutesToward.At"/>.</summary>
    public RoutesToward Toward(Ipv4Address destination)
    {
        var candidates = new List<Match?[]>(lengths.Length);
        foreach (var length in lengths)
        {
            if (byPrefix.TryGetValue(Key(destination.Value & Ipv4Prefix.MaskOf(length), length), out var perSwitch)) candidates.Add(perSwitch);
        }
        return new RoutesToward([.. candidates]);
    }

    public const int HostNeighbor = -1, UnknownNeighbor = -2;

    private int NeighborOf(NextHop hop) =>
        index.TryGetValue(hop.Neighbor, out var i) ? i : Fabric.IsHost(hop.Neighbor) ? HostNeighbor : UnknownNeighbor;

    private static ulong Key(uint network, int length) => ((ulong)network << 6) | (uint)length;

    /// <summary>
    /// A route and, per next hop (same order), the neighbour's switch index, <see cref="HostNeighbor"/> or
    /// <see cref="UnknownNeighbor"/>, resolved once when the tables are built.
    /// </summary>
    public sealed record Match(Route Route, int[] Neighbors);

    /// <summary>Each prefix holding one destination, longest first: what each switch installed for it, if anything.</summary>
    public readonly struct RoutesToward(Match?[][] candidates)
    {
        /// <summary>The switch's longest matching route, or null (no route: the packet is dropped).</summary>
        public Match? At(int switchIndex)
        {
            foreach (var perSwitch in candidates)
            {
                if (perSwitch[switchIndex] is { } match) return match;
            }
            return null;
        }
    }
}
