using System.Collections.Immutable;
using Lbdeploy.Routing;

namespace Lbdeploy.Verification;

/// <summary>Picks one of <paramref name="nextHopCount"/> equal-cost next hops for a flow at a switch.</summary>
public delegate int EcmpSelector(string switchName, FlowTuple flow, int nextHopCount);

/// <summary>The single path one flow takes; <see cref="Delivered"/> names the host it reaches, if any.</summary>
public sealed record TracedPath(ImmutableArray<string> Nodes, string? Delivered, string Outcome)
{
    public override string ToString() => string.Join(" -> ", Nodes) + (Delivered is null ? $" -> ({Outcome})" : "");
}

/// <summary>Follows one concrete flow through a <see cref="ForwardingPlan"/> (for `lbdeploy trace`).</summary>
public static class ForwardingTracer
{
    /// <summary>bmv2's choice with the course controller's plain layout (see <see cref="FlowTuple.Bmv2EcmpIndex"/>).</summary>
    public static readonly EcmpSelector Bmv2 = (_, flow, count) => flow.Bmv2EcmpIndex(count);

    /// <summary>
    /// bmv2's choice with the plan's member layout (what lbdeploy's rules install): <paramref name="flow"/> is what
    /// ecmp.p4 hashes; the stride is the one the switch's group for the flow's route has.
    /// </summary>
    public static EcmpSelector Bmv2With(ForwardingPlan plan, EcmpLayout layout, Lb.Core.Addressing.Ipv4Address routedTo)
    {
        var tables = new ForwardingTables(plan);
        return (switchName, flow, count) =>
            flow.Bmv2EcmpIndex(count, tables.IndexOf(switchName) is { } i && tables.Lookup(i, routedTo) is { } route ? layout.StrideOf(switchName, route) : 1);
    }

    public static TracedPath Trace(ForwardingPlan plan, string sourceHost, FlowTuple flow, EcmpSelector? select = null)
    {
        select ??= Bmv2;
        var fabric = plan.Fabric;
        var host = fabric.FindHost(sourceHost) ?? throw new ArgumentException($"'{sourceHost}' is not a host of {fabric.Source}", nameof(sourceHost));
        var tables = new ForwardingTables(plan);
        var nodes = ImmutableArray.CreateBuilder<string>();
        nodes.Add(host.Name);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var current = fabric.AttachmentOf(host).Name;
        while (true)
        {
            nodes.Add(current);
            if (!visited.Add(current)) return new TracedPath(nodes.ToImmutable(), null, $"loop at {current}");
            if (tables.IndexOf(current) is not { } index) return new TracedPath(nodes.ToImmutable(), null, $"{current} has no forwarding table");
            var route = tables.Lookup(index, flow.Destination);
            if (route is null || route.NextHops.IsEmpty) return new TracedPath(nodes.ToImmutable(), null, $"no route to {flow.Destination} at {current}");
            var choice = route.NextHops.Length == 1 ? 0 : select(current, flow, route.NextHops.Length);
            if ((uint)choice >= (uint)route.NextHops.Length)
                throw new InvalidOperationException($"the ECMP selector returned {choice} for {route.NextHops.Length} next hops at {current}");
            var next = route.NextHops[choice].Neighbor;
            if (fabric.IsHost(next))
            {
                nodes.Add(next);
                return new TracedPath(nodes.ToImmutable(), next, $"delivered to {next}");
            }
            current = next;
        }
    }
}
