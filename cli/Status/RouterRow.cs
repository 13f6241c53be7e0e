using Lbdeploy.Nodes;
using Lbdeploy.Runner;

namespace Lbdeploy.Status;

/// <summary>
/// One FRR router of the frr target as `status` shows it: its BGP sessions from its own `show bgp summary json`
/// (established of configured), the prefixes it receives, and the peers whose session is not up.
/// </summary>
public sealed record RouterRow(string Node, long Asn, int Established, int Sessions, long PrefixesIn, string Down, string? Error)
{
    public string SessionsText => Error is null ? $"{Established}/{Sessions}" : "-";

    public static async Task<IReadOnlyList<RouterRow>> CollectAsync(DeployState state, CancellationToken ct)
    {
        var routers = state.Units.Where(u => u.Kind == UnitKind.Router && u.RuntimeDirectory is not null)
            .OrderBy(u => u.Host, Topology.NaturalOrder.Instance).ToList();
        if (routers.Count == 0) return [];
        var processes = ProcessTable.System;
        if (state.LiveNetwork(processes) is not { } network)
        {
            return [.. routers.Select(u => new RouterRow(u.Host, 0, 0, 0, 0, "", "the network is gone"))];
        }
        var shell = RunnerEnvironment.Default.ShellFor(network);
        return await Task.WhenAll(routers.Select(async u =>
        {
            if (!u.IsProcessAlive(processes))
            {
                var dead = u.Daemons.FirstOrDefault(d => !processes.Runs(d.Pid, d.ProcessFingerprint));
                return new RouterRow(u.Host, 0, 0, 0, 0, "", dead?.Name == "gate"
                    ? $"announcement gate not running (log {dead.LogFile}); run lbdeploy apply"
                    : $"FRR not running{(dead is null ? "" : ": " + dead.Name)} (log {(dead ?? u.Daemons.FirstOrDefault())?.LogFile}); run lbdeploy apply");
            }
            var summary = await BgpNodeSummary.ReadAsync(shell, u.Host, u.RuntimeDirectory!, ct);
            var down = string.Join(", ", summary.Peers.Where(p => !p.IsEstablished).Select(p => $"{p.Address} {p.State}"));
            return new RouterRow(u.Host, summary.LocalAs, summary.Established, summary.Peers.Length, summary.Peers.Sum(p => p.PrefixesReceived), down, summary.Error);
        }));
    }
}
