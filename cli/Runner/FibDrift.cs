using System.Collections.Immutable;
using Lbdeploy.Common;
using Lbdeploy.Routing;
using Lbdeploy.Spec;

namespace Lbdeploy.Runner;

/// <summary>
/// Where a switch's kernel routing table differs from its planned routes, one line per difference, prefixed with the
/// switch. Rules:
/// - a remote host's subnet and the VIP: exactly that prefix with exactly the planned next-hop set (any order,
///   weights ignored); on the frr target installed by BGP;
/// - an attached host: the route the kernel picks for its address (longest prefix) is gateway-less on the planned
///   port: FRR reaches it through the connected subnet of that port; the linux target's script also installs the /32
///   itself, so there the /32 must be present;
/// - nothing else installed: a route that is not a connected subnet (proto kernel) and that the plan does not have,
///   including a second route for a planned prefix. On a machine (<paramref name="fabricPorts"/> given), only such a
///   route that leaves through one of the switch's fabric ports: a route through its management interface (its
///   default route, a static one) is the machine's own, not the plan's.
/// </summary>
public static class FibDrift
{
    /// <param name="fabricPorts">The switch's fabric interfaces when it is a machine reached over SSH; null on the testbed, where every route is the plan's.</param>
    public static ImmutableArray<string> Compare(SwitchForwarding planned, SwitchFib table, SwitchTarget target, IReadOnlySet<string>? fabricPorts = null)
    {
        var name = planned.Switch.Name;
        var differences = ImmutableArray.CreateBuilder<string>();
        var accounted = new HashSet<KernelRoute>(ReferenceEqualityComparer.Instance);
        foreach (var route in planned.Routes)
        {
            var entries = table.WithPrefix(route.Destination).ToList();
            if (entries.Count > 0) accounted.Add(entries[0]);
            var problem = route.Kind == RouteKind.DirectHost
                ? AttachedHostProblem(route, entries.FirstOrDefault(), table, target)
                : ExactRouteProblem(route, entries.FirstOrDefault(), target);
            if (problem is not null) differences.Add($"{name}: {problem}");
        }
        foreach (var entry in table.Routes)
        {
            if (entry.Forwards && !entry.IsConnected && !accounted.Contains(entry) && (fabricPorts is null || LeavesThrough(entry, fabricPorts)))
            {
                differences.Add($"{name}: unexpected route {entry}");
            }
        }
        return differences.ToImmutable();
    }

    /// <summary>The route sends through a fabric port, or through no interface at all (a blackhole is the switch's decision).</summary>
    private static bool LeavesThrough(KernelRoute route, IReadOnlySet<string> ports) =>
        route.NextHops.IsEmpty || route.NextHops.Any(h => h.Dev is null || ports.Contains(h.Dev));

    /// <summary>A switch's fabric interfaces (the topology's names) when the plan deploys onto machines; null on the testbed.</summary>
    public static IReadOnlySet<string>? FabricPorts(Planning.DeploymentPlan plan, string switchName) =>
        plan.Inventory is null ? null : plan.Fabric.LinksOf(switchName).Select(l => l.End(switchName).Name).ToHashSet(StringComparer.Ordinal);

    private static string? ExactRouteProblem(Route route, KernelRoute? installed, SwitchTarget target)
    {
        var expected = Expected(route);
        if (installed is null) return $"{route.Destination} missing";
        if (!SameHops(installed, expected))
        {
            return $"{route.Destination} {KernelNextHop.Describe(expected)} expected; kernel has {installed.Target}";
        }
        // zebra installs what BGP chose; the same next hops from anyone else mean BGP is not what holds them up.
        if (target == SwitchTarget.Frr && installed.Protocol != "bgp")
        {
            return $"{route.Destination} {installed.Target} is proto {TerminalText.Escape(installed.Protocol)}, not from BGP";
        }
        return null;
    }

    private static string? AttachedHostProblem(Route route, KernelRoute? exact, SwitchFib table, SwitchTarget target)
    {
        var expected = Expected(route);
        var address = route.Destination.Network;
        var used = table.LongestMatch(address);
        if (used is null) return $"{route.Destination} {KernelNextHop.Describe(expected)} expected; kernel has no route to {address}";
        if (!SameHops(used, expected))
        {
            return $"{route.Destination} {KernelNextHop.Describe(expected)} expected; kernel reaches {address} by {used}";
        }
        if (target == SwitchTarget.Linux && exact is null)
        {
            return $"{route.Destination} missing (the connected {used.Destination} still reaches the host)";
        }
        return null;
    }

    /// <summary>The planned next hops as the kernel shows them (`via` the neighbour's address, none for an attached host), in plan order.</summary>
    private static List<KernelNextHop> Expected(Route route) =>
        [.. route.NextHops.Select(hop => new KernelNextHop(
            route.Kind == RouteKind.DirectHost ? null : hop.Ingress.Address?.Address.ToString(),
            hop.Egress.Name))];

    /// <summary>Same next hops, whatever their order and weights.</summary>
    private static bool SameHops(KernelRoute installed, List<KernelNextHop> expected) =>
        installed.IsUnicast && installed.NextHops.ToHashSet().SetEquals(expected);
}
