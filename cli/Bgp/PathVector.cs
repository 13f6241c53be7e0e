using System.Collections.Immutable;
using Lb.Core.Addressing;

namespace Lbdeploy.Bgp;

/// <summary>
/// The converged state of a <see cref="BgpDesign"/>, computed rather than run: a path-vector simulation of eBGP as
/// the design configures it. Per prefix, every speaker ends with the shortest AS path it can accept: a route travels
/// a session only if the sender's export filter and the receiver's import filter let it through, and a receiver
/// drops every path that holds its own ASN (loop prevention). Originated routes beat learned ones.
/// <para>A speaker advertises one best path, picked by tie-breaks the plan does not control (the oldest route,
/// router ids). So each speaker carries the set of AS paths it might pick; a receiver for whom some of them hold its
/// ASN and others not would converge differently depending on those tie-breaks: such offers are kept as
/// <see cref="SpeakerRoute.Ambiguous"/>, for the proof to refuse.</para>
/// </summary>
public static class PathVector
{
    /// <summary>More equal-best AS paths than this at one speaker means an ASN plan without shared tiers; the proof refuses it.</summary>
    public const int MaxPathsPerSpeaker = 1024;

    /// <summary>
    /// The originated prefixes, grouped so that one simulation serves a group: same originators, and every filter of
    /// the design lets all of a group's prefixes through or none.
    /// </summary>
    public static ImmutableArray<PrefixGroup> Groups(BgpDesign design)
    {
        var origins = new SortedDictionary<Ipv4Prefix, List<int>>();
        for (var i = 0; i < design.Speakers.Length; i++)
        {
            foreach (var prefix in design.Speakers[i].Originated)
            {
                if (!origins.TryGetValue(prefix, out var list)) origins[prefix] = list = [];
                if (!list.Contains(i)) list.Add(i);
            }
        }
        return [.. origins
            .GroupBy(o => string.Join(',', o.Value) + "|" + string.Concat(design.Filters.Select(f => f.Permits(o.Key) ? '1' : '0')), StringComparer.Ordinal)
            .Select(g => new PrefixGroup([.. g.Select(o => o.Key)], [.. g.First().Value]))];
    }

    /// <summary>Where every speaker's route to <paramref name="group"/> converges.</summary>
    public static PrefixOutcome Converge(BgpDesign design, PrefixGroup group)
    {
        var index = SpeakerIndex.Of(design);
        var count = design.Speakers.Length;
        var sample = group.Prefixes[0];
        var permits = design.Filters.ToDictionary(f => f.Name, f => f.Permits(sample), StringComparer.Ordinal);
        var routes = new SpeakerRoute?[count];
        var current = new List<int>();
        foreach (var origin in group.Originators)
        {
            routes[origin] = SpeakerRoute.Local;
            current.Add(origin);
        }

        for (var length = 1; current.Count > 0; length++)
        {
            var offers = new SortedDictionary<int, List<(int From, List<AsPath> Accepted, bool Partial)>>();
            foreach (var from in current)
            {
                var sender = design.Speakers[from];
                foreach (var session in sender.Neighbors)
                {
                    if (index.Find(session.Peer) is not { } to || routes[to] is not null) continue;
                    var receiver = design.Speakers[to];
                    // The session exists only if both ends configure it, over the same link, as eBGP.
                    if (receiver.NeighborOf(sender.Name) is not { } back || back.PeerAddress != session.LocalAddress || back.LocalAddress != session.PeerAddress) continue;
                    if (receiver.Asn == sender.Asn) continue;
                    if (!permits.GetValueOrDefault(session.ExportFilter) || !permits.GetValueOrDefault(back.ImportFilter)) continue;
                    var offered = routes[from]!.Paths;
                    var accepted = offered.Where(p => !p.Contains(receiver.Asn)).Select(p => p.Prepend(sender.Asn)).ToList();
                    if (accepted.Count == 0) continue;
                    if (!offers.TryGetValue(to, out var list)) offers[to] = list = [];
                    list.Add((from, accepted, accepted.Count < offered.Length));
                }
            }
            current = [];
            foreach (var (to, list) in offers)
            {
                var paths = list.SelectMany(o => o.Accepted).Distinct().Take(MaxPathsPerSpeaker + 1).ToImmutableArray();
                routes[to] = new SpeakerRoute(length, paths, [.. list.Select(o => o.From)], [.. list.Where(o => o.Partial).Select(o => o.From)]);
                current.Add(to);
            }
        }
        return new PrefixOutcome(group, [.. routes]);
    }

    /// <summary>Speaker index by name, for one simulation.</summary>
    private sealed class SpeakerIndex(Dictionary<string, int> byName)
    {
        public static SpeakerIndex Of(BgpDesign design) =>
            new(design.Speakers.Select((s, i) => (s.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal));

        public int? Find(string name) => byName.TryGetValue(name, out var i) ? i : null;
    }
}

/// <summary>Prefixes that converge alike: the same originators (indexes of <see cref="BgpDesign.Speakers"/>) and filters.</summary>
public sealed record PrefixGroup(ImmutableArray<Ipv4Prefix> Prefixes, ImmutableArray<int> Originators);

/// <summary>Every speaker's converged route toward one <see cref="PrefixGroup"/> (null: it has none).</summary>
public sealed record PrefixOutcome(PrefixGroup Group, ImmutableArray<SpeakerRoute?> Routes);

/// <summary>
/// One speaker's converged route. <see cref="Length"/> is the AS-path length it would advertise before adding its own
/// ASN (0: it originates the prefix); <see cref="Paths"/> are the AS paths it may pick as best (every one possible
/// under some tie-break); <see cref="Candidates"/> are the neighbors (speaker indexes) offering an equal-best path, in
/// speaker order; <see cref="Ambiguous"/> those of them whose offer depends on their own tie-break.
/// </summary>
public sealed record SpeakerRoute(int Length, ImmutableArray<AsPath> Paths, ImmutableArray<int> Candidates, ImmutableArray<int> Ambiguous)
{
    public static readonly SpeakerRoute Local = new(0, [AsPath.Empty], [], []);

    public bool IsLocal => Length == 0;
}

/// <summary>An AS path, nearest AS first.</summary>
public sealed record AsPath(ImmutableArray<uint> Asns)
{
    public static readonly AsPath Empty = new(ImmutableArray<uint>.Empty);

    public bool Contains(uint asn) => Asns.Contains(asn);

    public AsPath Prepend(uint asn) => new(Asns.Insert(0, asn));

    public bool Equals(AsPath? other) => other is not null && Asns.SequenceEqual(other.Asns);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var asn in Asns) hash.Add(asn);
        return hash.ToHashCode();
    }

    public override string ToString() => Asns.IsEmpty ? "(local)" : string.Join(' ', Asns);
}
