using System.Collections.Immutable;
using System.Globalization;

namespace Lbdeploy.Bgp;

/// <summary>
/// Which of a speaker's equal-best candidates FRR installs as its ECMP set, or why the plan cannot say: FRR's eBGP
/// multipath takes equal-length paths from neighbors of the best path's neighbor AS only, unless `bgp bestpath as-path
/// multipath-relax`, and at most `maximum-paths` of them; which AS and which paths win is then a tie-break.
/// </summary>
public static class Multipath
{
    public static MultipathChoice Of(BgpDesign design, BgpSpeaker speaker, SpeakerRoute route)
    {
        string Names(IEnumerable<int> speakers) => string.Join(", ", speakers.Select(i => design.Speakers[i].Name));
        if (route.Paths.Length > PathVector.MaxPathsPerSpeaker)
        {
            return MultipathChoice.Undecided($"more than {PathVector.MaxPathsPerSpeaker} equal-best AS paths reach {speaker.Name}: the tiers do not share ASNs as the design needs");
        }
        if (!route.Ambiguous.IsEmpty)
        {
            return MultipathChoice.Undecided(
                $"{Names(route.Ambiguous)} may each advertise an AS path holding {speaker.Name}'s AS {speaker.Asn} or one without it, depending on their tie-breaks (candidates: {string.Join("; ", route.Paths)})");
        }
        var asns = route.Candidates.Select(c => design.Speakers[c].Asn).Distinct().ToList();
        if (asns.Count > 1 && !speaker.MultipathRelax)
        {
            return MultipathChoice.Undecided(
                $"equal-best paths come from neighbors of AS {string.Join(" and ", asns)} ({Names(route.Candidates)}); without `bgp bestpath as-path multipath-relax` FRR installs only those of the best path's neighbor AS, which a tie-break picks");
        }
        if (route.Candidates.Length > speaker.MaximumPaths)
        {
            return MultipathChoice.Undecided(string.Create(CultureInfo.InvariantCulture,
                $"{route.Candidates.Length} equal-best paths ({Names(route.Candidates)}) but maximum-paths {speaker.MaximumPaths}: FRR installs a tie-break's pick of them"));
        }
        return new MultipathChoice(route.Candidates, null);
    }
}

/// <summary>The installed next hops (speaker indexes), or <see cref="Problem"/>: why the outcome depends on tie-breaks.</summary>
public sealed record MultipathChoice(ImmutableArray<int> Installed, string? Problem)
{
    public static MultipathChoice Undecided(string problem) => new([], problem);
}
