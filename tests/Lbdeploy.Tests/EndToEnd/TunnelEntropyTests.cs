using System.Globalization;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;
using Xunit.Abstractions;
using Lbdeploy.Ecmp;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Issue 15, entropy in the tunnel: with one mux and one DIP every tunnelled packet has the same outer address pair,
/// yet the switches hash the inner 5-tuple too (KernelMultipath.Fields), so the client connections spread over every
/// equal-cost core path to the DIP. Read from the core switches' own interface counters.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class TunnelEntropyTests(ITestOutputHelper log)
{
    private const string Mux = "h1", Dip = "h14";

    [RootFact]
    public async Task One_outer_pair_spreads_its_flows_over_every_core_path()
    {
        var root = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");
        var spec = CliRun.DeriveSpec(root, ("muxes: [h1, h2]", $"muxes: [{Mux}]"), ("dips: [h13, h14, h15, h16]", $"dips: [{Dip}]"));
        var fabric = Planner.Create(spec, "lb.yaml").Fabric;
        var dipEdge = fabric.AttachmentOf(fabric.FindHost(Dip)!).Name;
        var aggregations = Neighbors(fabric, dipEdge).Where(fabric.IsSwitch).ToList();
        // The core: the aggregation switches' switch neighbours that attach no host.
        var downlinks = aggregations
            .SelectMany(agg => Neighbors(fabric, agg).Where(n => fabric.IsSwitch(n) && !fabric.LinksOf(n).Any(l => fabric.IsHost(l.Peer(n).Node)))
                .Select(core => (Core: core, Interface: fabric.InterfaceToward(core, agg).Name)))
            .OrderBy(d => d.Core, StringComparer.Ordinal).ToList();
        Assert.True(downlinks.Count >= 2, $"no equal-cost core paths into {dipEdge}'s pod: {string.Join(", ", downlinks)}");

        await using var service = await DeployedService.StartAsync(log, spec);
        // The load comes from clients outside the DIP's pod (h3-h12), so what the cores send into that pod is the tunnel.
        var before = await CountersAsync(service, downlinks);
        var gets = await service.GetFromAllClientsAsync(perClient: 200 / DeployedService.Clients.Count);
        Assert.True(gets.Ok == gets.Total, $"{gets.Ok}/{gets.Total} GETs: {gets.Errors}");
        var after = await CountersAsync(service, downlinks);

        var carried = downlinks.Select((d, i) => (d.Core, d.Interface, Packets: after[i] - before[i])).ToList();
        var total = carried.Sum(c => c.Packets);
        foreach (var c in carried)
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Core} {c.Interface}: {c.Packets} packets ({100.0 * c.Packets / total:0.0}%)"));
        Assert.True(total >= gets.Total, $"the cores sent {total} packets into {dipEdge}'s pod for {gets.Total} connections");
        Assert.All(carried, c => Assert.True(c.Packets >= total / 10,
            $"{c.Core} carried {c.Packets} of {total} tunnelled packets (< 10%): {string.Join(", ", carried.Select(x => $"{x.Core} {x.Packets}"))}"));
    }

    private static IEnumerable<string> Neighbors(Lbdeploy.Topology.Fabric fabric, string node) =>
        fabric.LinksOf(node).Select(l => l.Peer(node).Node).Distinct();

    /// <summary>tx_packets of each core's downlink, read inside the core switch.</summary>
    private static async Task<long[]> CountersAsync(DeployedService service, IReadOnlyList<(string Core, string Interface)> downlinks)
    {
        var counts = new long[downlinks.Count];
        for (var i = 0; i < downlinks.Count; i++)
        {
            var (core, iface) = downlinks[i];
            var run = await service.Shell.RunCheckedAsync(core, "cat " + Lbdeploy.Common.ShellQuoting.Quote($"/sys/class/net/{iface}/statistics/tx_packets"));
            counts[i] = long.Parse(run.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        }
        return counts;
    }
}
