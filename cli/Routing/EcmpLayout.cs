using System.Runtime.InteropServices;
using Lbdeploy.Topology;

namespace Lbdeploy.Routing;

/// <summary>
/// How a bmv2 switch lays out the members of its ECMP groups (p4/ecmp.p4). Every switch hashes a flow to the same
/// crc16, so with the plain layout (member i = next hop i) a tier that sent the flows of one residue up one link
/// hands the next tier only flows of that residue: it uses one of its uplinks (polarisation). Here a group of n next
/// hops at a switch with stride S has n*S members and member i is next hop (i / S + i mod S) mod n: each tier reads
/// its own digit of the hash (mixed radix, the strides being the products of the group sizes of the tiers a flow
/// crosses before), so the choices of successive tiers are independent, plus the digits below it, so flows that
/// crossed no earlier tier (clients beside the switch) still spread on the low digits. The control-plane interface
/// is the course's; stride 1 is the course's own layout.
/// <para>A tier is a switch's level (hops from the nearest host, leaves 0): a group toward higher levels is the
/// flow's decision number <c>level</c> on the way up; any other group (down from the top, toward the muxes) comes
/// after the way up, in the order a flow meets them (<c>2 * top - level</c>).</para>
/// </summary>
public sealed class EcmpLayout
{
    /// <summary>Most members one group may have (ecmp_group_to_nhop holds 16384 entries; a switch has a few groups).</summary>
    public const int MaxMembers = 4096;

    private readonly Dictionary<string, int> levels;
    private readonly int[] strideOfRank;
    private readonly int top;

    private EcmpLayout(Dictionary<string, int> levels, int[] strideOfRank, int top)
    {
        this.levels = levels;
        this.strideOfRank = strideOfRank;
        this.top = top;
    }

    /// <summary>Stride 1 everywhere: the course controller's layout, which polarises (kept to show it, in tests).</summary>
    public static EcmpLayout Plain { get; } = new(new Dictionary<string, int>(StringComparer.Ordinal), [], 0);

    /// <summary>The layout of a plan: the switches' levels from the fabric, the strides from its groups' sizes.</summary>
    public static EcmpLayout Of(ForwardingPlan plan)
    {
        var levels = Levels(plan.Fabric);
        var top = levels.Count == 0 ? 0 : levels.Values.Max();
        var largest = new int[2 * top + 1];
        var probe = new EcmpLayout(levels, [], top);
        foreach (var forwarding in plan.Switches)
        {
            var seen = new HashSet<NextHop[]>(ReferenceEqualityComparer.Instance);
            foreach (var route in forwarding.Routes)
            {
                if (!route.IsEcmp || !seen.Add(ImmutableCollectionsMarshal.AsArray(route.NextHops)!)) continue;
                var rank = probe.RankOf(forwarding.Switch.Name, route);
                if (rank >= 0) largest[rank] = Math.Max(largest[rank], route.NextHops.Length);
            }
        }
        var strides = new int[largest.Length];
        long stride = 1;
        for (var rank = 0; rank < largest.Length; rank++)
        {
            strides[rank] = (int)Math.Min(stride, MaxMembers);
            stride = Math.Min(stride * Math.Max(1, largest[rank]), MaxMembers);
        }
        return new EcmpLayout(levels, strides, top);
    }

    /// <summary>The stride of the group a switch installs for a route (1 for a single next hop).</summary>
    public int StrideOf(string switchName, Route route)
    {
        if (!route.IsEcmp) return 1;
        var rank = RankOf(switchName, route);
        if (rank < 0 || rank >= strideOfRank.Length) return 1;
        // The members must fit: a stride the group cannot hold falls back to the largest that fits.
        return Math.Max(1, Math.Min(strideOfRank[rank], MaxMembers / route.NextHops.Length));
    }

    /// <summary>How many members the group gets (bmv2's num_nhops).</summary>
    public static int Members(int nextHops, int stride) => nextHops * stride;

    /// <summary>The next hop (index in the route's next hops) that member <paramref name="member"/> forwards to.</summary>
    public static int NextHopOf(int member, int nextHops, int stride) => (member / stride + member % stride) % nextHops;

    /// <summary>Which member bmv2 picks for a flow: ecmp.p4's hash(), crc16 modulo num_nhops.</summary>
    public static int MemberOf(ushort crc, int nextHops, int stride) => crc % Members(nextHops, stride);

    private int RankOf(string switchName, Route route)
    {
        if (!levels.TryGetValue(switchName, out var level)) return -1;
        var up = true;
        foreach (var hop in route.NextHops)
        {
            if (!levels.TryGetValue(hop.Neighbor, out var next) || next <= level) { up = false; break; }
        }
        return up ? level : 2 * top - level;
    }

    /// <summary>Each switch's distance in hops from the nearest host, minus one (leaves 0); unreachable switches are left out.</summary>
    private static Dictionary<string, int> Levels(Fabric fabric)
    {
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        foreach (var host in fabric.Hosts)
        {
            foreach (var link in fabric.LinksOf(host.Name))
            {
                var peer = link.Peer(host.Name).Node;
                if (fabric.IsSwitch(peer) && levels.TryAdd(peer, 0)) queue.Enqueue(peer);
            }
        }
        while (queue.TryDequeue(out var current))
        {
            foreach (var link in fabric.LinksOf(current))
            {
                var peer = link.Peer(current).Node;
                if (fabric.IsSwitch(peer) && levels.TryAdd(peer, levels[current] + 1)) queue.Enqueue(peer);
            }
        }
        return levels;
    }
}
