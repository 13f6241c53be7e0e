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

    /// <summary>Where every speaker's route to each group converges (<see cref="Groups"/> order).</summary>
    public static ImmutableArray<PrefixOutcome> ConvergeAll(BgpDesign design)
    {
        var sessions = Sessions.Of(design);
        return [.. Groups(design).Select(g => Converge(design, sessions, g))];
    }

    /// <summary>Where every speaker's route to <paramref name="group"/> converges.</summary>
    public static PrefixOutcome Converge(BgpDesign design, PrefixGroup group) => Converge(design, Sessions.Of(design), group);

    private static PrefixOutcome Converge(BgpDesign design, Sessions sessions, PrefixGroup group)
    {
        var count = design.Speakers.Length;
        var sample = group.Prefixes[0];
        var permits = design.Filters.Select(f => f.Permits(sample)).ToArray();
        var routes = new SpeakerRoute?[count];
        var current = new List<int>();
        foreach (var origin in group.Originators)
        {
            routes[origin] = SpeakerRoute.Local;
            current.Add(origin);
        }

        // Offers received in the current round, per receiver (null: none yet); `reached` lists the receivers in order.
        var offers = new List<Offer>?[count];
        for (var length = 1; current.Count > 0; length++)
        {
            var reached = new List<int>();
            foreach (var from in current)
            {
                var senderAsn = design.Speakers[from].Asn;
                // What the sender's best paths look like once it adds its ASN: the same for every receiver.
                var bestPaths = routes[from]!.Paths;
                var offered = new AsPath[bestPaths.Length];
                for (var p = 0; p < offered.Length; p++) offered[p] = bestPaths[p].Prepend(senderAsn);
                foreach (var session in sessions.From[from])
                {
                    if (routes[session.To] is not null) continue;
                    if (!Permits(permits, session.ExportFilter) || !Permits(permits, session.ImportFilter)) continue;
                    var receiverAsn = design.Speakers[session.To].Asn;
                    var rejected = 0;
                    foreach (var path in offered)
                        if (path.Contains(receiverAsn)) rejected++;
                    if (rejected == offered.Length) continue;
                    var accepted = rejected == 0 ? offered : Array.FindAll(offered, path => !path.Contains(receiverAsn));
                    if (offers[session.To] is not { } list)
                    {
                        offers[session.To] = list = [];
                        reached.Add(session.To);
                    }
                    list.Add(new Offer(from, accepted, rejected > 0));
                }
            }
            reached.Sort();
            foreach (var to in reached)
            {
                var list = offers[to]!;
                offers[to] = null;
                var paths = list.Count == 1 ? [.. list[0].Accepted.Take(MaxPathsPerSpeaker + 1)]
                    : list.SelectMany(o => o.Accepted).Distinct().Take(MaxPathsPerSpeaker + 1).ToImmutableArray();
                routes[to] = new SpeakerRoute(length, paths, [.. list.Select(o => o.From).Order()], [.. list.Where(o => o.Partial).Select(o => o.From).Order()]);
            }
            current = reached;
        }
        return new PrefixOutcome(group, [.. routes]);
    }

    /// <summary>A neighbor's offer: the AS paths the receiver accepts, and whether it refused others (a tie-break decides which it gets).</summary>
    private sealed record Offer(int From, AsPath[] Accepted, bool Partial);

    /// <summary>Whether filter <paramref name="filter"/> (an index of the design's filters; -1: a name it lacks) lets the group through.</summary>
    private static bool Permits(bool[] permits, int filter) => filter >= 0 && permits[filter];

    /// <summary>
    /// The sessions that come up, as directed edges between speaker indexes: both ends configure them over the same
    /// link addresses, as eBGP (different ASNs). Built once per design; each group's simulation only reads it.
    /// </summary>
    private sealed class Sessions
    {
        public required List<Session>[] From { get; init; }

        public static Sessions Of(BgpDesign design)
        {
            var index = design.Speakers.Select((s, i) => (s.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
            int FilterIndex(string name) => design.Filters.IndexOf(design.Filters.FirstOrDefault(f => f.Name == name)!);
            var from = new List<Session>[design.Speakers.Length];
            for (var i = 0; i < from.Length; i++)
            {
                var sender = design.Speakers[i];
                from[i] = [];
                foreach (var session in sender.Neighbors)
                {
                    if (!index.TryGetValue(session.Peer, out var to)) continue;
                    var receiver = design.Speakers[to];
                    if (receiver.NeighborOf(sender.Name) is not { } back || back.PeerAddress != session.LocalAddress || back.LocalAddress != session.PeerAddress) continue;
                    if (receiver.Asn == sender.Asn) continue;
                    from[i].Add(new Session(to, FilterIndex(session.ExportFilter), FilterIndex(back.ImportFilter)));
                }
            }
            return new Sessions { From = from };
        }
    }

    /// <summary>A session toward speaker <see cref="To"/>: the sender's export filter and the receiver's import filter (indexes of the design's filters).</summary>
    private sealed record Session(int To, int ExportFilter, int ImportFilter);
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
