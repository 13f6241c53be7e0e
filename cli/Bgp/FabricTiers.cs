using System.Collections.Immutable;
using Lbdeploy.Topology;

namespace Lbdeploy.Bgp;

/// <summary>The place of a BGP speaker in the Clos design (RFC 7938), which decides how it gets its ASN.</summary>
public enum BgpRole
{
    /// <summary>A switch with hosts (ToR, leaf): its own ASN.</summary>
    Leaf,

    /// <summary>The middle tier of a three-tier fabric (a fat tree's aggregation switches): one ASN per pod.</summary>
    Aggregation,

    /// <summary>The top tier (a leaf-spine's spines, a fat tree's cores): one ASN for all.</summary>
    Spine,

    /// <summary>A mux host announcing the VIP: one ASN for all muxes.</summary>
    Mux,
}

public static class BgpRoles
{
    public static string Name(this BgpRole role) => role switch
    {
        BgpRole.Leaf => "leaf",
        BgpRole.Aggregation => "aggregation",
        BgpRole.Spine => "spine",
        BgpRole.Mux => "mux",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };
}

/// <summary>A switch's tier and, in a three-tier fabric, its pod (1-based; 0 outside pods).</summary>
public sealed record SwitchPlace(BgpRole Role, int Pod);

/// <summary>How many tiers the fabric has (1 to 3) and every switch's place in them.</summary>
public sealed record FabricShape(int Tiers, ImmutableDictionary<string, SwitchPlace> Places);

/// <summary>
/// Reads the Clos structure off any fabric, without relying on names: a switch's tier is its distance (in switch
/// hops) from the nearest switch with hosts, plus one; the top tier is the farthest; in a three-tier fabric a pod is
/// a connected group of leaves and aggregation switches once the top tier is taken away. What the design cannot give
/// valley-free paths to is refused here: more than three tiers, a switch that reaches no host, a link inside a tier.
/// </summary>
public static class FabricTiers
{
    public const int MaxTiers = 3;

    private const string Fallback = "use switches.target: linux (static routes) for this fabric";

    public static FabricShape Classify(Fabric fabric)
    {
        var switches = fabric.Switches.Select(s => s.Name).ToList();
        var neighbors = switches.ToDictionary(s => s, s => fabric.LinksOf(s).Select(l => l.Peer(s).Node).Where(fabric.IsSwitch).ToList(), StringComparer.Ordinal);
        var leaves = fabric.Hosts.Select(h => fabric.AttachmentOf(h).Name).ToHashSet(StringComparer.Ordinal);

        var tier = new Dictionary<string, int>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        foreach (var leaf in switches.Where(leaves.Contains))
        {
            tier[leaf] = 1;
            queue.Enqueue(leaf);
        }
        while (queue.Count > 0)
        {
            var at = queue.Dequeue();
            foreach (var next in neighbors[at].Where(n => !tier.ContainsKey(n)))
            {
                tier[next] = tier[at] + 1;
                queue.Enqueue(next);
            }
        }
        if (switches.FirstOrDefault(s => !tier.ContainsKey(s)) is { } stranded)
        {
            throw new BgpDesignException($"switch {stranded} has no path to a switch with hosts, so it has no place in the BGP design's tiers; connect it or remove it from the topology, or {Fallback}");
        }
        var tiers = tier.Values.DefaultIfEmpty(1).Max();
        if (tiers > MaxTiers)
        {
            var deepest = switches.First(s => tier[s] == tiers);
            throw new BgpDesignException($"the fabric has {tiers} tiers (switch {deepest} is {tiers - 1} switch hops from the nearest switch with hosts); the BGP design (RFC 7938) covers leaf-spine (2 tiers) and fat-tree (3 tiers) fabrics; {Fallback}");
        }
        foreach (var link in fabric.Links.Where(l => fabric.IsSwitch(l.A.Node) && fabric.IsSwitch(l.B.Node)))
        {
            if (tier[link.A.Node] != tier[link.B.Node]) continue;
            var what = tier[link.A.Node] == 1 ? "two switches with hosts" : $"two switches {tier[link.A.Node] - 1} hops from the nearest switch with hosts";
            throw new BgpDesignException($"link {link.A.Node}-{link.B.Node} joins {what}; a Clos fabric (RFC 7938) links adjacent tiers only, and the ASN design rejects the valley paths such a link carries; remove the link or {Fallback}");
        }

        var pods = tiers == MaxTiers ? Pods(switches, neighbors, tier) : [];
        var places = ImmutableDictionary.CreateBuilder<string, SwitchPlace>(StringComparer.Ordinal);
        foreach (var name in switches)
        {
            var role = tier[name] == 1 ? BgpRole.Leaf : tier[name] == tiers ? BgpRole.Spine : BgpRole.Aggregation;
            places[name] = new SwitchPlace(role, role == BgpRole.Spine ? 0 : pods.GetValueOrDefault(name));
        }
        return new FabricShape(tiers, places.ToImmutable());
    }

    /// <summary>Pods of a three-tier fabric: groups of tier-1 and tier-2 switches connected without the top tier, numbered in switch order.</summary>
    private static Dictionary<string, int> Pods(List<string> switches, Dictionary<string, List<string>> neighbors, Dictionary<string, int> tier)
    {
        var pod = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        foreach (var start in switches.Where(s => tier[s] < MaxTiers && !pod.ContainsKey(s)))
        {
            count++;
            var stack = new Stack<string>([start]);
            pod[start] = count;
            while (stack.Count > 0)
            {
                foreach (var next in neighbors[stack.Pop()].Where(n => tier[n] < MaxTiers && !pod.ContainsKey(n)))
                {
                    pod[next] = count;
                    stack.Push(next);
                }
            }
        }
        return pod;
    }
}
