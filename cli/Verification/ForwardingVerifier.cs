using System.Collections.Immutable;
using System.Globalization;
using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Topology;

namespace Lbdeploy.Verification;

/// <summary>
/// Static (Batfish-style) verification of a <see cref="ForwardingPlan"/> before anything is deployed: every host
/// reaches every host, every client reaches a mux of each VIP, every mux reaches every DIP, on EVERY ECMP branch; no
/// loops and no black holes from any switch; an even split where the muxes attach.
/// <para>Cost: per destination, each switch is evaluated once (memoised depth-first walk over all next hops), so the
/// work is O(destinations × (switches + next hops)) rather than the number of paths.</para>
/// </summary>
public static class ForwardingVerifier
{
    public const int MaxFailuresPerCheck = 10;

    /// <param name="spread">When given, and every other check passes, sampled flows check the path spread too (<see cref="PathSpread"/>).</param>
    public static VerificationReport Verify(ForwardingPlan plan, VerificationScope scope, PathSpreadRequest? spread = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(scope);
        var tables = new ForwardingTables(plan);
        var fabric = plan.Fabric;
        var walker = new DestinationWalker(tables);
        var checks = new List<VerificationCheck>();

        var scopeErrors = ScopeErrors(plan, scope);
        checks.Add(scopeErrors.Count == 0
            ? new VerificationCheck("scope", true, Invariant($"{scope.Clients.Length} clients, {scope.Muxes.Length} muxes, {scope.Dips.Length} DIPs, {scope.Vips.Length} VIPs"), [])
            : new VerificationCheck("scope", false, string.Join("; ", scopeErrors.Select(e => e.Path)), [.. scopeErrors.Take(MaxFailuresPerCheck)]));

        var attachment = fabric.Hosts.ToDictionary(h => h.Name, h => tables.IndexOf(fabric.AttachmentOf(h).Name), StringComparer.Ordinal);
        var muxes = scope.Muxes.Where(attachment.ContainsKey).ToList();
        var dips = scope.Dips.Where(attachment.ContainsKey).ToHashSet(StringComparer.Ordinal);
        var clients = scope.Clients.Where(attachment.ContainsKey).ToList();

        var hostPairs = new Collector("hosts reach hosts", "host pairs");
        var muxToDip = new Collector("muxes reach DIPs", "mux-DIP pairs");
        var loops = new Collector("no forwarding loops", "switch-destination pairs");
        var blackHoles = new Collector("no black holes", "switch-destination pairs");

        void FromEverySwitch(string destination)
        {
            for (var s = 0; s < tables.Count; s++)
            {
                var trail = walker.VerdictFrom(s);
                loops.Count(trail?.Kind == FailureKind.Loop ? trail : null, tables.SwitchNames[s], destination, null);
                blackHoles.Count(trail is not null && trail.Kind != FailureKind.Loop ? trail : null, tables.SwitchNames[s], destination, null);
            }
        }

        Trail? FromHost(string source) => attachment[source] is { } s
            ? walker.VerdictFrom(s)
            : Trail.Terminal(FailureKind.NoRoute, $"{source}'s switch has no forwarding table");
        var hostNames = fabric.Hosts.Select(h => h.Name).ToArray();
        var hostSwitch = hostNames.Select(h => attachment[h]).ToArray();

        foreach (var destination in fabric.Hosts)
        {
            var target = destination.Address.Address;
            walker.Walk(target, destination.Address.Subnet.ToString(), host => host == destination.Name,
                host => $"{host} does not own {target}");
            FromEverySwitch(destination.Name);
            for (var h = 0; h < hostNames.Length; h++)
            {
                if (hostNames[h] == destination.Name) continue;
                var trail = hostSwitch[h] is { } s ? walker.VerdictFrom(s) : FromHost(hostNames[h]);
                hostPairs.Count(trail, hostNames[h], destination.Name, hostNames[h]);
            }
            if (dips.Contains(destination.Name))
                foreach (var mux in muxes.Where(m => m != destination.Name))
                    muxToDip.Count(FromHost(mux), mux, destination.Name, mux);
        }
        checks.Add(hostPairs.ToCheck());

        foreach (var vip in scope.Vips)
        {
            var placement = plan.Vips.FirstOrDefault(v => v.Vip == vip);
            if (placement is null)
            {
                checks.Add(new VerificationCheck($"clients reach a mux of {vip}", false, $"the plan has no placement for VIP {vip} (add its muxes)", []));
                continue;
            }
            var servedBy = placement.Muxes.ToHashSet(StringComparer.Ordinal);
            walker.Walk(vip, Ipv4Prefix.Host(vip).ToString(), servedBy.Contains, host => $"{host} is not a mux of {vip}");
            FromEverySwitch(vip.ToString());
            var vipReach = new Collector($"clients reach a mux of {vip}", "clients");
            foreach (var client in clients) vipReach.Count(FromHost(client), client, vip.ToString(), client);
            checks.Add(vipReach.ToCheck());
            checks.Add(EvenSplit(tables, placement));
        }

        checks.Add(muxToDip.ToCheck());
        checks.Add(loops.ToCheck());
        checks.Add(blackHoles.ToCheck());
        // Loads only mean something once every path delivers.
        if (spread is not null && checks.All(c => c.Passed)) checks.Add(PathSpread.Check(tables, scope, spread));
        return new VerificationReport([.. checks]);
    }

    private static VerificationCheck EvenSplit(ForwardingTables tables, VipPlacement placement)
    {
        var fabric = tables.Fabric;
        var name = $"even split among the muxes of {placement.Vip}";
        var failures = new List<VerificationFailure>();
        var muxesBySwitch = placement.Muxes
            .Where(m => fabric.FindHost(m) is not null)
            .GroupBy(m => fabric.AttachmentOf(fabric.FindHost(m)!).Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, NaturalOrder.Instance);
        var checkedSwitches = 0;
        foreach (var group in muxesBySwitch)
        {
            checkedSwitches++;
            var attached = group.Distinct().ToList();
            var index = tables.IndexOf(group.Key);
            var route = index is { } i ? tables.Lookup(i, placement.Vip) : null;
            if (route is null || route.NextHops.IsEmpty)
            {
                failures.Add(new VerificationFailure(group.Key, placement.Vip.ToString(), FailureKind.NoRoute,
                    $"{group.Key} -> (no route to {placement.Vip}/32 at {group.Key}, where {string.Join(", ", attached)} attach)"));
                continue;
            }
            var slots = attached.ToDictionary(m => m, _ => 0, StringComparer.Ordinal);
            var others = new List<string>();
            foreach (var hop in route.NextHops)
                if (slots.ContainsKey(hop.Neighbor)) slots[hop.Neighbor]++;
                else others.Add(hop.Neighbor);
            if (others.Count > 0 || slots.Values.Distinct().Count() != 1 || slots.Values.First() == 0)
            {
                var shares = string.Join(", ", slots.Select(kv => Invariant($"{kv.Key} x{kv.Value}")).Concat(others.Select(o => $"{o} (not a mux here)")));
                failures.Add(new VerificationFailure(group.Key, placement.Vip.ToString(), FailureKind.UnevenSplit,
                    $"{group.Key} -> ({placement.Vip} next-hop slots: {shares}; each attached mux needs the same share)"));
            }
        }
        return failures.Count == 0
            ? new VerificationCheck(name, true, Invariant($"{checkedSwitches} switch(es) with muxes split evenly"), [])
            : new VerificationCheck(name, false, Invariant($"{failures.Count} of {checkedSwitches} switch(es) split unevenly; e.g. {failures[0].Path}"),
                [.. failures.Take(MaxFailuresPerCheck)]);
    }

    private static List<VerificationFailure> ScopeErrors(ForwardingPlan plan, VerificationScope scope)
    {
        var errors = new List<VerificationFailure>();
        void Require(IEnumerable<string> names, string role)
        {
            foreach (var name in names.Where(n => plan.Fabric.FindHost(n) is null))
                errors.Add(new VerificationFailure(name, name, FailureKind.UnknownHost, $"{role} '{name}' is not a host of {plan.Fabric.Source} (use one of its hosts)"));
        }
        Require(scope.Clients, "client");
        Require(scope.Muxes, "mux");
        Require(scope.Dips, "DIP");
        return errors;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Counts failures of one check and keeps the first few with their paths.</summary>
    private sealed class Collector(string name, string unit)
    {
        private readonly List<VerificationFailure> samples = [];
        private int total;
        private int failed;

        public void Count(Trail? trail, string from, string to, string? firstHop)
        {
            total++;
            if (trail is null) return;
            failed++;
            if (samples.Count < MaxFailuresPerCheck)
                samples.Add(new VerificationFailure(from, to, trail.Kind, trail.Render(firstHop)));
        }

        public VerificationCheck ToCheck() => failed == 0
            ? new VerificationCheck(name, true, Invariant($"{total} {unit}, every ECMP branch delivers"), [])
            : new VerificationCheck(name, false, Invariant($"{failed} of {total} {unit} fail; e.g. {samples[0].Path}"), [.. samples]);
    }
}
