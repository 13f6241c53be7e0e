using System.Collections.Immutable;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;

namespace Lbdeploy.Runner;

/// <summary>A planned BGP session that is not up, seen from one end.</summary>
public sealed record DownSession(string Node, string Peer, string PeerAddress, string State)
{
    public override string ToString() => $"{Node}-{Peer} ({PeerAddress}): {State}";
}

/// <summary>Every planned session's state, read from every router of the plan (frr target).</summary>
public sealed record BgpSessionReport(int Planned, ImmutableArray<DownSession> Down, ImmutableArray<BgpNodeSummary> Nodes)
{
    public int Established => Planned - Down.Length;

    public bool AllEstablished => Down.IsEmpty;

    /// <summary>One line: how many are up and the first few that are not.</summary>
    public string Describe(int show = 6) =>
        AllEstablished
            ? $"{Planned}/{Planned} planned session ends established on {Nodes.Length} routers"
            : $"{Established}/{Planned} planned session ends established; not up: {string.Join(", ", Down.Take(show))}{(Down.Length > show ? ", ..." : "")}";

    /// <summary>Reads every router's summary in parallel (a bounded number at once) and compares it with the design's sessions.</summary>
    public static async Task<BgpSessionReport> ReadAsync(DeploymentPlan plan, INodeShell shell, CancellationToken ct)
    {
        var design = plan.Bgp ?? throw new ArgumentException("the plan has no BGP design (not the frr target)", nameof(plan));
        using var gate = new SemaphoreSlim(8);
        var summaries = await Task.WhenAll(plan.Routers.Select(async router =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await BgpNodeSummary.ReadAsync(shell, router.Node, router.RuntimeDirectory, ct);
            }
            finally
            {
                gate.Release();
            }
        }));
        var down = ImmutableArray.CreateBuilder<DownSession>();
        var planned = 0;
        foreach (var summary in summaries)
        {
            foreach (var neighbor in design.Speaker(summary.Node).Neighbors)
            {
                planned++;
                var peer = summary.Peer(neighbor.PeerAddress.ToString());
                if (peer is { IsEstablished: true }) continue;
                // The state is FRR's text: escaped like every value read from a node before it reaches a terminal.
                var state = summary.Error ?? (peer is null ? "not configured" : Common.TerminalText.Escape(peer.State));
                down.Add(new DownSession(summary.Node, neighbor.Peer, neighbor.PeerAddress.ToString(), state));
            }
        }
        return new BgpSessionReport(planned, down.ToImmutable(), [.. summaries]);
    }
}
