using Lbdeploy.Bgp;

namespace Lbdeploy.Rendering;

/// <summary>
/// The frr target's part of the summary: the ASN plan grouped by ASN (summary.txt) and every speaker (plan.json).
/// <see cref="Bfd"/> reads like lb.yaml (<c>100ms x 3</c>) with the detection time it gives.
/// </summary>
public sealed record SummaryBgp(uint AsnBase, int Tiers, int Sessions, string Bfd, IReadOnlyList<SummaryAsn> Asns, IReadOnlyList<string> MultipathRelax, IReadOnlyList<SummaryBgpSpeaker> Speakers);

/// <summary>One ASN and who holds it: <see cref="Members"/> in design order, <see cref="Originates"/> what they announce.</summary>
public sealed record SummaryAsn(uint Asn, string Role, int Pod, IReadOnlyList<string> Members, IReadOnlyList<string> Originates);

/// <summary>One BGP speaker: its sessions by peer name, its ECMP bound and whether it relaxes multipath across ASNs.</summary>
public sealed record SummaryBgpSpeaker(string Name, string Role, int Pod, uint Asn, string RouterId, IReadOnlyList<string> Peers, int MaximumPaths, bool MultipathRelax, IReadOnlyList<string> Originates);

public static class BgpSummary
{
    public static SummaryBgp Of(BgpDesign design) => new(
        design.Settings.AsnBase,
        design.Tiers,
        design.SessionCount,
        $"{Spec.Durations.FormatFine(TimeSpan.FromMilliseconds(design.Settings.Bfd.IntervalMilliseconds))} x {design.Settings.Bfd.Multiplier} (a silent mux is down after {Spec.Durations.FormatFine(design.Settings.Bfd.DetectionTime)})",
        [.. design.Speakers
            .GroupBy(s => s.Asn)
            .OrderBy(g => g.Key)
            .Select(g => new SummaryAsn(g.Key, g.First().Role.Name(), g.First().Pod, [.. g.Select(s => s.Name)],
                [.. g.SelectMany(s => s.Originated).Distinct().Order().Select(p => p.ToString())]))],
        [.. design.Switches.Where(s => s.MultipathRelax).Select(s => s.Name)],
        [.. design.Speakers.Select(s => new SummaryBgpSpeaker(s.Name, s.Role.Name(), s.Pod, s.Asn, s.RouterId.ToString(),
            [.. s.Neighbors.Select(n => n.Peer)], s.MaximumPaths, s.MultipathRelax, [.. s.Originated.Select(p => p.ToString())]))]);
}
