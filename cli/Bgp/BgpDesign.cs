using System.Collections.Immutable;
using Lb.Core.Addressing;

namespace Lbdeploy.Bgp;

/// <summary>
/// The control plane the frr target runs, decided by <see cref="BgpDesigner"/>: every BGP speaker (each switch, then
/// each mux host) with its ASN, router id, the prefixes it originates, its sessions and their policies. The frr.conf
/// files are rendered from it and the plan-time proof (<c>Verification/BgpProof</c>) simulates it; both read only
/// this, so what is proved is what is written. Immutable; a peer's ASN is looked up from its speaker, never copied.
/// </summary>
public sealed record BgpDesign(
    BgpSettings Settings,
    Ipv4Address Vip,
    int Tiers,
    ImmutableArray<BgpSpeaker> Speakers,
    ImmutableArray<PrefixFilter> Filters)
{
    /// <summary>Every prefix the fabric carries: the host subnets and the VIP (fabric sessions, both ways).</summary>
    public const string FabricFilter = "FABRIC";

    /// <summary>The VIP alone: what a mux may announce and its switch may accept from it.</summary>
    public const string VipFilter = "VIP";

    /// <summary>Nothing: a switch announces nothing to a mux, a mux accepts nothing.</summary>
    public const string NoneFilter = "NONE";

    public BgpSpeaker Speaker(string name) =>
        Speakers.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"{name} is not a BGP speaker of the design", nameof(name));

    public PrefixFilter Filter(string name) =>
        Filters.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException($"the design has no filter {name}", nameof(name));

    public IEnumerable<BgpSpeaker> Switches => Speakers.Where(s => s.Role != BgpRole.Mux);

    public IEnumerable<BgpSpeaker> Muxes => Speakers.Where(s => s.Role == BgpRole.Mux);

    /// <summary>The sessions, each once (the end listed first is the speaker that comes first).</summary>
    public int SessionCount => Speakers.Sum(s => s.Neighbors.Length) / 2;
}

/// <summary>
/// One BGP speaker. <see cref="MaximumPaths"/> bounds its ECMP sets; <see cref="MultipathRelax"/> lets equal-length
/// paths from neighbors of different ASNs share them (FRR otherwise keeps only those of the best path's neighbor AS).
/// </summary>
public sealed record BgpSpeaker(
    string Name,
    BgpRole Role,
    int Pod,
    uint Asn,
    Ipv4Address RouterId,
    ImmutableArray<Ipv4Prefix> Originated,
    ImmutableArray<BgpNeighbor> Neighbors,
    bool MultipathRelax,
    int MaximumPaths)
{
    public BgpNeighbor? NeighborOf(string peer) => Neighbors.FirstOrDefault(n => n.Peer == peer);
}

/// <summary>
/// One session, seen from its speaker: numbered eBGP over the link's own addresses (<see cref="LocalAddress"/> on
/// <see cref="Interface"/>, the peer at <see cref="PeerAddress"/>), routes filtered in by <see cref="ImportFilter"/>
/// and out by <see cref="ExportFilter"/> (names of <see cref="BgpDesign.Filters"/>), with BFD or not.
/// </summary>
public sealed record BgpNeighbor(
    string Peer,
    string Interface,
    Ipv4Address LocalAddress,
    Ipv4Address PeerAddress,
    string ImportFilter,
    string ExportFilter,
    bool Bfd);

/// <summary>A named set of exact prefixes a session lets through (none: it lets nothing through).</summary>
public sealed record PrefixFilter(string Name, ImmutableArray<Ipv4Prefix> Permitted)
{
    public bool Permits(Ipv4Prefix prefix) => Permitted.BinarySearch(prefix) >= 0;
}
