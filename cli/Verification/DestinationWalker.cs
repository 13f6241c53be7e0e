using Lb.Core.Addressing;

namespace Lbdeploy.Verification;

/// <summary>
/// For one destination at a time, decides for every switch whether ALL its ECMP branches deliver: a depth-first walk
/// over next hops with a per-switch memo (so shared suffixes are evaluated once) and an on-stack mark (a next hop
/// already on the stack is a loop). A failing switch keeps the first failing branch as a <see cref="Trail"/>.
/// The arrays are reused across destinations.
/// </summary>
internal sealed class DestinationWalker(ForwardingTables tables)
{
    private const byte Unvisited = 0, OnStack = 1, Done = 2;

    private readonly byte[] state = new byte[tables.Count];
    private readonly Trail?[] verdict = new Trail?[tables.Count];
    private readonly int[] stackPosition = new int[tables.Count];
    private readonly List<int> stack = [];

    private ForwardingTables.RoutesToward routes;
    private string label = "";
    private Func<string, bool> accepts = _ => false;
    private Func<string, string> whyNot = _ => "";

    /// <summary>Starts a new destination; switches are evaluated lazily by <see cref="VerdictFrom"/>.</summary>
    public void Walk(Ipv4Address address, string destinationLabel, Func<string, bool> acceptsHost, Func<string, string> explainRejection)
    {
        Array.Clear(state);
        Array.Clear(verdict);
        routes = tables.Toward(address);
        label = destinationLabel;
        accepts = acceptsHost;
        whyNot = explainRejection;
    }

    /// <summary>Null when every branch from the switch delivers, else the first failing branch.</summary>
    public Trail? VerdictFrom(int switchIndex) => state[switchIndex] == Done ? verdict[switchIndex] : Visit(switchIndex);

    private Trail? Visit(int s)
    {
        var name = tables.SwitchNames[s];
        state[s] = OnStack;
        stackPosition[s] = stack.Count;
        stack.Add(s);

        Trail? result = null;
        var match = routes.At(s);
        if (match is null || match.Route.NextHops.IsEmpty)
        {
            result = new Trail(name, Trail.Terminal(FailureKind.NoRoute, $"no route to {label} at {name}"));
        }
        else
        {
            var hops = match.Route.NextHops;
            for (var h = 0; h < hops.Length; h++)
            {
                var hop = hops[h];
                var next = match.Neighbors[h];
                if (next == ForwardingTables.HostNeighbor)
                {
                    if (accepts(hop.Neighbor)) continue;
                    result = new Trail(name, new Trail(hop.Neighbor, Trail.Terminal(FailureKind.WrongHost, whyNot(hop.Neighbor))));
                    break;
                }
                if (next == ForwardingTables.UnknownNeighbor)
                {
                    result = new Trail(name, Trail.Terminal(FailureKind.NoRoute, $"next hop {hop.Neighbor} of {name} has no forwarding table"));
                    break;
                }
                if (state[next] == OnStack)
                {
                    // the cycle: this switch -> next -> ... (stack) ... -> this switch
                    var cycle = new Trail(name, Trail.Terminal(FailureKind.Loop, "loop"));
                    for (var i = stack.Count - 1; i >= stackPosition[next]; i--) cycle = new Trail(tables.SwitchNames[stack[i]], cycle);
                    result = new Trail(name, cycle);
                    break;
                }
                var sub = state[next] == Done ? verdict[next] : Visit(next);
                if (sub is not null)
                {
                    result = new Trail(name, sub);
                    break;
                }
            }
        }

        stack.RemoveAt(stack.Count - 1);
        state[s] = Done;
        verdict[s] = result;
        return result;
    }
}

/// <summary>A failing path as a shared linked list: nodes, then a terminal reason.</summary>
internal sealed class Trail
{
    public Trail(string node, Trail next)
    {
        Node = node;
        Next = next;
        Kind = next.Kind;
        Reason = next.Reason;
    }

    private Trail(FailureKind kind, string reason)
    {
        Kind = kind;
        Reason = reason;
    }

    public static Trail Terminal(FailureKind kind, string reason) => new(kind, reason);

    public string? Node { get; }

    public Trail? Next { get; }

    public FailureKind Kind { get; }

    public string Reason { get; }

    /// <summary><c>h3 -> t2 -> a1 -> c1 -> (no route to 10.19.13.0/24 at c1)</c>.</summary>
    public string Render(string? firstHop)
    {
        var parts = new List<string>();
        if (firstHop is not null) parts.Add(firstHop);
        for (var t = this; t is not null; t = t.Next)
            if (t.Node is not null) parts.Add(t.Node);
        parts.Add($"({Reason})");
        return string.Join(" -> ", parts);
    }
}
