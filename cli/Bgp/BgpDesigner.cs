using System.Collections.Immutable;
using System.Globalization;
using Lb.Core.Addressing;
using Lbdeploy.Topology;

namespace Lbdeploy.Bgp;

/// <summary>
/// Plans the frr target's control plane from the fabric, following RFC 7938 (BGP in the data center):
/// <list type="bullet">
/// <item>ASNs from <see cref="BgpSettings.AsnBase"/> up: the muxes share the first, the top tier (spines, cores) the
/// next, each pod's aggregation switches one per pod, every leaf (ToR) its own. Shared tier ASNs make BGP's loop
/// prevention refuse valley paths (down to a leaf and up again, or through the top tier twice), so only valley-free
/// paths exist and the shortest of them win;</item>
/// <item>eBGP on every switch-to-switch link, numbered over the link's p4-utils addresses, with policies that carry
/// exactly the host subnets and the VIP; each leaf originates its hosts' subnets;</item>
/// <item>each mux host peers with its switch (BFD on), may announce only the VIP and accepts nothing;</item>
/// <item>router ids: a switch's lowest-port address, a mux's own address; `maximum-paths`: the speaker's session count
/// (capped at <see cref="BgpLimits.MaxEcmpWidth"/>); `multipath-relax` where the converged state has equal-best paths
/// through neighbors of different ASNs (a spine toward muxes under several leaves).</item>
/// </list>
/// </summary>
public static class BgpDesigner
{
    public static BgpDesign Design(Fabric fabric, Ipv4Address vip, IReadOnlyList<string> muxes, BgpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(fabric);
        ArgumentNullException.ThrowIfNull(muxes);
        ArgumentNullException.ThrowIfNull(settings);
        var (tiers, places) = FabricTiers.Classify(fabric);
        var asns = AssignAsns(fabric, places, tiers, settings.AsnBase, out var muxAsn);
        var muxSet = muxes.ToHashSet(StringComparer.Ordinal);
        var vipPrefix = Ipv4Prefix.Host(vip);

        var subnets = fabric.Hosts.Select(h => h.Address.Subnet).Distinct().Order().ToImmutableArray();
        ImmutableArray<PrefixFilter> filters =
        [
            new(BgpDesign.FabricFilter, [.. subnets.Append(vipPrefix).Distinct().Order()]),
            new(BgpDesign.VipFilter, [vipPrefix]),
            new(BgpDesign.NoneFilter, []),
        ];

        var speakers = ImmutableArray.CreateBuilder<BgpSpeaker>(fabric.Switches.Length + muxes.Count);
        foreach (var sw in fabric.Switches)
        {
            var place = places[sw.Name];
            var neighbors = ImmutableArray.CreateBuilder<BgpNeighbor>();
            var originated = new SortedSet<Ipv4Prefix>();
            foreach (var link in fabric.LinksOf(sw.Name))
            {
                var local = link.End(sw.Name);
                var peer = link.Peer(sw.Name);
                if (fabric.IsSwitch(peer.Node))
                {
                    neighbors.Add(new BgpNeighbor(peer.Node, local.Name, AddressOf(local, sw.Name), AddressOf(peer, peer.Node),
                        BgpDesign.FabricFilter, BgpDesign.FabricFilter, Bfd: false));
                    continue;
                }
                var host = fabric.FindHost(peer.Node)!;
                if (local.Address is not { } port || !host.Address.Subnet.Contains(port.Address))
                {
                    throw new BgpDesignException($"switch {sw.Name}'s port {local.Name} to host {host.Name} has no address in {host.Address.Subnet}, so {sw.Name} cannot announce that subnet; use p4-utils assignment_strategy l3 in the topology");
                }
                originated.Add(host.Address.Subnet);
                if (muxSet.Contains(host.Name))
                {
                    neighbors.Add(new BgpNeighbor(host.Name, local.Name, port.Address, host.Address.Address,
                        BgpDesign.VipFilter, BgpDesign.NoneFilter, Bfd: true));
                }
            }
            speakers.Add(new BgpSpeaker(sw.Name, place.Role, place.Pod, asns[sw.Name], RouterIdOf(fabric, sw.Name), [.. originated],
                neighbors.ToImmutable(), MultipathRelax: false, MaximumPaths: Math.Clamp(neighbors.Count, 1, BgpLimits.MaxEcmpWidth)));
        }
        foreach (var mux in muxes)
        {
            var host = fabric.FindHost(mux) ?? throw new ArgumentException($"mux {mux} is not a host of the fabric", nameof(muxes));
            var link = fabric.LinksOf(mux).Single();
            var port = link.Peer(mux);
            var session = new BgpNeighbor(port.Node, host.Interface, host.Address.Address, AddressOf(port, port.Node),
                BgpDesign.NoneFilter, BgpDesign.VipFilter, Bfd: true);
            speakers.Add(new BgpSpeaker(mux, BgpRole.Mux, 0, muxAsn, host.Address.Address, [vipPrefix], [session], MultipathRelax: false, MaximumPaths: 1));
        }

        var draft = new BgpDesign(settings, vip, tiers, speakers.ToImmutable(), filters);
        // A prefix with one originator (a leaf's subnets) reaches any speaker through one neighbor AS in this design:
        // through its own pod's aggregation ASN or the spine ASN, since a path through another leaf or pod would
        // repeat an ASN. Only the anycast VIP can need relax; the proof checks every prefix either way.
        var outcomes = PathVector.Groups(draft).Where(g => g.Originators.Length > 1).Select(g => PathVector.Converge(draft, g)).ToList();
        return draft with { Speakers = [.. draft.Speakers.Select((s, i) => s with { MultipathRelax = s.Role != BgpRole.Mux && NeedsRelax(draft, i, outcomes) })] };
    }

    /// <summary>
    /// The ASN of every switch, and the muxes' (<paramref name="muxAsn"/>): muxes, top tier, pods in order, leaves in
    /// switch order, consecutive from <paramref name="asnBase"/>, all inside its private range.
    /// </summary>
    private static Dictionary<string, uint> AssignAsns(Fabric fabric, IReadOnlyDictionary<string, SwitchPlace> places, int tiers, uint asnBase, out uint muxAsn)
    {
        var pods = places.Values.Where(p => p.Role == BgpRole.Aggregation).Select(p => p.Pod).Distinct().Order().ToList();
        var leaves = fabric.Switches.Where(s => places[s.Name].Role == BgpRole.Leaf).Select(s => s.Name).ToList();
        var needed = 1L + (tiers > 1 ? 1 : 0) + pods.Count + leaves.Count;
        var range = BgpLimits.PrivateRangeOf(asnBase)
            ?? throw new BgpDesignException(string.Create(CultureInfo.InvariantCulture, $"{asnBase} is not a private ASN; use one of {string.Join(" or ", BgpLimits.PrivateRanges)}"), "bgp.asn_base");
        if (asnBase + needed - 1 > range.Last)
        {
            throw new BgpDesignException(string.Create(CultureInfo.InvariantCulture,
                $"the fabric needs {needed} ASNs (muxes, {(tiers > 1 ? "spines, " : "")}{(pods.Count > 0 ? $"{pods.Count} pods, " : "")}{leaves.Count} leaves) but only {range.Last - asnBase + 1} private ASNs follow {asnBase}; use at most {range.Last - needed + 1}, or a 4-byte base such as {BgpDefaults.AsnBase}"),
                "bgp.asn_base");
        }
        var next = asnBase;
        muxAsn = next++;
        var spineAsn = tiers > 1 ? next++ : 0;
        var podAsns = pods.ToDictionary(p => p, _ => next++);
        var asns = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var leaf in leaves) asns[leaf] = next++;
        foreach (var (name, place) in places)
        {
            if (place.Role == BgpRole.Spine) asns[name] = spineAsn;
            else if (place.Role == BgpRole.Aggregation) asns[name] = podAsns[place.Pod];
        }
        return asns;
    }

    /// <summary>A switch's router id: the address of its lowest-numbered addressed port (unique: the fabric checks addresses).</summary>
    private static Ipv4Address RouterIdOf(Fabric fabric, string switchName) =>
        fabric.LinksOf(switchName).Select(l => l.End(switchName).Address).FirstOrDefault(a => a is not null)?.Address
        ?? throw new BgpDesignException($"switch {switchName} has no addressed port to take a BGP router id from; use p4-utils assignment_strategy l3 in the topology");

    private static Ipv4Address AddressOf(FabricInterface end, string node) =>
        end.Address?.Address
        ?? throw new BgpDesignException($"{node}'s port {end.Name} has no address, and the frr target peers over the link addresses; use p4-utils assignment_strategy l3 in the topology");

    /// <summary>Whether some converged route of speaker <paramref name="index"/> has equal-best candidates behind different neighbor ASNs.</summary>
    private static bool NeedsRelax(BgpDesign draft, int index, IEnumerable<PrefixOutcome> outcomes) =>
        outcomes.Any(o => o.Routes[index] is { IsLocal: false } route
            && route.Candidates.Select(c => draft.Speakers[c].Asn).Distinct().Skip(1).Any());
}
