using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Lb.Core.Addressing;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>
/// The bmv2 target's mux failover, planned (part of <c>watcher/watch.json</c>): for every switch whose VIP entry
/// changes when muxes fail, the entry it must hold with each set of live muxes. Each set's routes are the router's
/// own VIP routing over the live muxes only (<see cref="VipRouting"/>), so a ToR left without a live mux sends the
/// VIP up, and the tiers above it stop sending it there; a group's members follow the plan's
/// <see cref="EcmpLayout"/>, so the polarisation layout holds in every set. Every non-empty set is planned, hence
/// the bound on the muxes (<see cref="MaxMuxes"/>).
/// </summary>
public sealed record Bmv2Failover(string Prefix, ImmutableArray<Bmv2WatchedSwitch> Switches)
{
    /// <summary>Most muxes whose live sets are planned (2^n - 1 sets); with more, the bmv2 target has no watcher.</summary>
    public const int MaxMuxes = 8;

    /// <summary>
    /// The failover of <paramref name="vip"/> over <paramref name="muxes"/>, from the plan's forwarding, layout and
    /// rendered switch models (index = switch order); null when there are more than <see cref="MaxMuxes"/> muxes.
    /// </summary>
    public static Bmv2Failover? Of(Ipv4Address vip, IReadOnlyList<string> muxes, ForwardingPlan forwarding, EcmpLayout layout, IReadOnlyList<Bmv2SwitchModel> models)
    {
        if (muxes.Count > MaxMuxes) return null;
        var routing = new VipRouting(forwarding.Fabric);
        var destination = Ipv4Prefix.Host(vip);
        var prefix = destination.ToString();
        var sets = new List<(ImmutableArray<string> Live, Route?[] Routes, int[] Hops)>();
        for (var mask = 1; mask < 1 << muxes.Count; mask++)
        {
            var live = muxes.Where((_, i) => (mask & (1 << i)) != 0).ToImmutableArray();
            sets.Add(([.. live.Order(StringComparer.Ordinal)], routing.RoutesOf(vip, live), routing.HopsToMuxes(live)));
        }
        var switches = ImmutableArray.CreateBuilder<Bmv2WatchedSwitch>();
        for (var i = 0; i < forwarding.Switches.Length; i++)
        {
            var name = forwarding.Switches[i].Switch.Name;
            var planned = forwarding.Switches[i].Routes.FirstOrDefault(r => r.Kind == RouteKind.Vip && r.Destination == destination);
            if (planned is null) continue; // no mux reachable even with all of them: nothing to fail over to
            var plannedKey = KeyOf(name, planned, layout);
            var byKey = new Dictionary<string, (Route Route, int Hops, List<ImmutableArray<string>> Live)>(StringComparer.Ordinal);
            var planneds = 0;
            foreach (var (live, routes, hops) in sets)
            {
                // A set that leaves no mux reachable keeps the planned entry: there is nothing better to send it to.
                var route = routes[i] ?? planned;
                var key = KeyOf(name, route, layout);
                if (key == plannedKey) planneds++;
                key += $" @{(routes[i] is null ? -1 : hops[i])}";
                if (!byKey.TryGetValue(key, out var variant)) byKey[key] = variant = (route, routes[i] is null ? -1 : hops[i], []);
                variant.Live.Add(live);
            }
            if (planneds == sets.Count) continue; // the same entry whichever muxes live
            var model = models[i];
            var variants = byKey.Values.Select(v =>
            {
                var isPlanned = KeyOf(name, v.Route, layout) == plannedKey;
                return new Bmv2VipVariant(
                    [.. v.Live.OrderByDescending(live => live.Length).ThenBy(live => string.Join(",", live), StringComparer.Ordinal)],
                    isPlanned,
                    isPlanned && model.VipGroups.TryGetValue(prefix, out var group) ? group : null,
                    [.. SwitchRules.Bmv2Members(v.Route.NextHops, layout.StrideOf(name, v.Route)).Select(m => new Bmv2Member(m.Mac, m.Port, m.Neighbor))])
                {
                    Hops = v.Hops,
                };
            });
            switches.Add(new Bmv2WatchedSwitch(name, model.ThriftPort, [model.Groups + 1, model.Groups + 2],
                [.. variants.OrderByDescending(v => v.Planned).ThenByDescending(v => v.Live[0].Length).ThenBy(v => string.Join(",", v.Live[0]), StringComparer.Ordinal)]));
        }
        return new Bmv2Failover(prefix, switches.ToImmutable());
    }

    /// <summary>What makes two routes one entry: their next hops (port and neighbour) and the group's stride.</summary>
    private static string KeyOf(string switchName, Route route, EcmpLayout layout) =>
        string.Join(" ", route.NextHops.Select(h => $"{h.Egress.Port}:{h.Neighbor}")) + $" /{layout.StrideOf(switchName, route)}";
}

/// <summary>
/// A switch the watcher rewrites: its thrift port, the two ECMP group ids no planned entry uses (the watcher writes a
/// new member set into the one the VIP entry does not point at, then points the entry at it) and the VIP entries.
/// </summary>
public sealed record Bmv2WatchedSwitch(string Name, int ThriftPort, ImmutableArray<int> SpareGroups, ImmutableArray<Bmv2VipVariant> Variants)
{
    /// <summary>The entry for the live muxes <paramref name="up"/> (null for a set the plan has not: none live).</summary>
    public Bmv2VipVariant? VariantFor(IReadOnlySet<string> up) =>
        Variants.FirstOrDefault(v => v.Live.Any(set => set.Length == up.Count && set.All(up.Contains)));

    /// <summary>Most members a spare group is given (the watcher reads that many slots of each spare group).</summary>
    [JsonIgnore]
    public int SpareMembers => Variants.Where(v => v.WritesSpareGroup).Select(v => v.Members.Length).DefaultIfEmpty(0).Max();
}

/// <summary>
/// One VIP entry and the live-mux sets it is for. One member: `set_nhop MAC PORT`. More: `ecmp_group GROUP COUNT`,
/// where GROUP is the planned one (<see cref="Group"/>, the switch's commands install its members) for the
/// <see cref="Planned"/> entry, else a spare group the watcher fills with <see cref="Members"/>.
/// </summary>
public sealed record Bmv2VipVariant(ImmutableArray<ImmutableArray<string>> Live, bool Planned, int? Group, ImmutableArray<Bmv2Member> Members)
{
    /// <summary>
    /// This switch's hops to the nearest switch with a live mux of these sets (-1: none reachable). The watcher writes
    /// switches in rising order of it, so the switches an entry leads to hold their new entries first: no loop while
    /// the fabric changes over (a leaf sending the VIP up while a spine still sends it down to that leaf).
    /// </summary>
    public int Hops { get; init; }

    [JsonIgnore]
    public bool WritesSpareGroup => Members.Length > 1 && Group is null;

    /// <summary>Whether the switch holds the same entry with either (the sets differ only in <see cref="Hops"/>).</summary>
    public bool SameEntry(Bmv2VipVariant? other) => other is not null && other.Group == Group && other.Members.SequenceEqual(Members);

    /// <summary>The distinct next hops, in member order (what status shows).</summary>
    [JsonIgnore]
    public ImmutableArray<string> Neighbors => [.. Members.Select(m => m.Neighbor).Distinct(StringComparer.Ordinal)];
}

/// <summary>An ecmp_group_to_nhop member (or the set_nhop of a one-member entry): the neighbour's MAC and our port.</summary>
public sealed record Bmv2Member(string Mac, int Port, string Neighbor);
