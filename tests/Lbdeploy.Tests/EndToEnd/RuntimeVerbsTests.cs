using System.Text.Json;
using System.Text.RegularExpressions;
using Lbdeploy.Runner;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// `lbdeploy conns` and `lbdeploy weight` on the course deployment. A client holds a slow download through the VIP:
/// `conns --flow` for its 5-tuple (source port from `ss` in the client) names the DIP that serves it (`ss` in the
/// DIPs), from a mux's connection table, and the dump lists it. `weight h14 3` shifts new flows to h14 (the muxes'
/// per-DIP new-flow counters) while the download completes, `diff` exits 2 naming the runtime weight, and
/// `weight h14 1` (lb.yaml's) clears it.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class RuntimeVerbsTests(ITestOutputHelper log)
{
    private const string Client = "h3";

    [RootFact]
    public async Task Conns_finds_a_live_download_on_its_dip_and_a_runtime_weight_shifts_new_flows_until_set_back()
    {
        var spec = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");
        await using var service = await DeployedService.StartAsync(log, spec);
        var vip = service.ServiceVip;

        // One slow download: the load generator paces its reads of 1 MB at 64 KB/s, so the connection lives ~16 s,
        // long enough for every step below (curl's --limit-rate let the kernel's buffer take it all in a few seconds).
        var download = service.StartLoadAsync(seconds: 1, shortWorkers: 0, longWorkers: 1, longRate: 64 * 1024, clients: [Client]);
        string source, server;
        try
        {
            source = await ClientEndpointAsync(service, vip);
            log.WriteLine($"download from {source}");
            server = await ServingDipAsync(service, vip, source);
            log.WriteLine($"served by {server} (ss in the DIPs)");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nthe download: {string.Join("; ", await download)}");
        }

        var lookup = await service.RunAsync("conns", "--flow", $"tcp {source} {vip}:80", "--json");
        Assert.True(lookup.ExitCode == 0, lookup.All);
        using (var answers = JsonDocument.Parse(lookup.Output))
        {
            var byMux = answers.RootElement.GetProperty("muxes").EnumerateArray().ToList();
            Assert.Equal(2, byMux.Count);
            Assert.All(byMux, a => Assert.Equal(server, a.GetProperty("dip").GetString())); // the other mux's Maglev agrees
            Assert.Single(byMux, a => a.GetProperty("source").GetString() == "connection_table"); // ECMP sent the flow to one mux
        }
        var dump = await service.RunAsync("conns");
        Assert.True(dump.ExitCode == 0, dump.All);
        Assert.Matches(new Regex($@"\n  tcp +{Regex.Escape(source)} +{Regex.Escape(vip)}:80 +{server} "), dump.Output);

        var before = await DipFlowsAsync();
        var weight = await service.RunAsync("weight", "h14", "3");
        Assert.True(weight.ExitCode == 0, weight.All);
        Assert.Contains("mux h1: h14 weight 3 at run time (applied plan: weight 1", weight.Output);
        Assert.Contains("mux h2: h14 weight 3 at run time", weight.Output);
        var dips = (await DeployedService.StatsAsync(UnitKind.Mux, "h1")).Dips!.Single(d => d.Name == "h14");
        Assert.Equal((3, 1, true), (dips.Weight, dips.ConfigWeight, dips.WeightOverride));
        var status = await service.RunAsync("status");
        Assert.True(status.ExitCode == 0, status.All);
        Assert.Matches(@"\n  h14 +\S+ +\S+ +3\* ", status.Output);
        Assert.Contains("  * h14: weight 3 set at run time (lbdeploy weight); the applied plan gives 1", status.Output);

        var gets = await service.GetFromAllClientsAsync(perClient: 12);
        Assert.True(gets.Ok == gets.Total, $"{gets.Ok}/{gets.Total} GETs after the weight: {gets.Errors}");
        var after = await DipFlowsAsync();
        var fresh = after.ToDictionary(d => d.Key, d => d.Value - before.GetValueOrDefault(d.Key));
        var share = fresh["h14"] / (double)fresh.Values.Sum();
        log.WriteLine($"new flows after weight h14 3: {string.Join(", ", fresh.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))} (h14 {share:P0}; 50% expected, 25% before)");
        Assert.InRange(share, 0.37, 0.65);

        var diff = await service.RunAsync("diff", "-f", spec);
        Assert.True(diff.ExitCode == 2, diff.All);
        Assert.Contains("drift mux h1: DIP h14 weight 3 set at run time (lb.yaml: weight 1); lbdeploy weight h14 1, or set weight: 3 in lb.yaml", diff.Output);
        Assert.Contains("drift mux h2: DIP h14 weight 3 set at run time (lb.yaml: weight 1)", diff.Output);

        var done = Assert.Single(await download); // the weight change rebuilt Maglev; the established download kept its DIP
        Assert.True(done.IsLong && done.Ok && done.Src == source, $"the download through the weight change: {done}");

        var back = await service.RunAsync("weight", "h14", "1");
        Assert.True(back.ExitCode == 0, back.All);
        Assert.Contains("mux h1: h14 weight 1 (the applied plan's weight; no runtime weight)", back.Output);
        var clean = await service.RunAsync("diff", "-f", spec);
        Assert.True(clean.ExitCode == 0, clean.All);
    }

    /// <summary>The client's address:port of its established connection to the VIP, from `ss` inside the client (polled: curl is starting).</summary>
    private static async Task<string> ClientEndpointAsync(DeployedService service, string vip)
    {
        var since = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow - since < TimeSpan.FromSeconds(10))
        {
            var ss = await service.Shell.RunAsync(Client, $"ss -tnH state connected exclude time-wait dst {vip}:80");
            var local = ss.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).FirstOrDefault(f => f.Length >= 4);
            if (local is not null) return local[^2];
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"no established connection to {vip}:80 in {Client} within 10 s");
    }

    /// <summary>
    /// The DIP whose server holds the connection from <paramref name="client"/>: `ss` inside each DIP (the server answers
    /// from the VIP). Polled: the client is established on the SYN-ACK, the server only once the ACK has crossed a mux.
    /// Any state but TIME-WAIT counts: the client's receive buffer takes the whole file at once (curl's rate limit
    /// only paces its reading), so the server may have sent it all and closed its side (FIN-WAIT) within a poll.
    /// </summary>
    private static async Task<string> ServingDipAsync(DeployedService service, string vip, string client)
    {
        string[] dips = ["h13", "h14", "h15", "h16"];
        var since = DateTimeOffset.UtcNow;
        while (true)
        {
            var found = await Task.WhenAll(dips.Select(async dip =>
                (Dip: dip, Output: (await service.Shell.RunAsync(dip, $"ss -tnH state connected exclude time-wait src {vip}:80 dst {client}")).StandardOutput.Trim())));
            var holding = found.Where(f => f.Output.Length > 0).Select(f => f.Dip).ToList();
            Assert.True(holding.Count <= 1, $"DIPs holding {client}: {string.Join(", ", holding)}");
            if (holding.Count == 1) return holding[0];
            if (DateTimeOffset.UtcNow - since > TimeSpan.FromSeconds(5))
            {
                // What the muxes did with the flow, and their last log lines, so a failure says why.
                var lookup = await service.RunAsync("conns", "--flow", $"tcp {client} {vip}:80");
                var logs = string.Join('\n', new[] { "h1", "h2" }.Select(m => $"mux {m} log:\n{UnitOperations.Tail(DeployedService.Unit(UnitKind.Mux, m).LogFile, 8)}")
                    .Concat(dips.Select(d => $"server {d} log:\n{UnitOperations.Tail(DeployedService.Unit(UnitKind.Server, d).LogFile, 4)}")));
                var stats = string.Join('\n', await Task.WhenAll(dips.Select(async d => $"agent {d}: {System.Text.Json.JsonSerializer.Serialize(await DeployedService.StatsAsync(UnitKind.Agent, d))}")));
                var ss = await service.Shell.RunAsync(Client, $"ss -tniH dst {vip}:80");
                throw new Xunit.Sdk.XunitException($"no DIP holds {client} within 5 s\n{lookup.All}\nclient: {ss.StandardOutput}\n{logs}\n{stats}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>New flows per DIP, summed over both muxes.</summary>
    private static async Task<Dictionary<string, long>> DipFlowsAsync()
    {
        var stats = await Task.WhenAll(DeployedService.StatsAsync(UnitKind.Mux, "h1"), DeployedService.StatsAsync(UnitKind.Mux, "h2"));
        return stats.SelectMany(s => s.Dips!).GroupBy(d => d.Name).ToDictionary(g => g.Key, g => g.Sum(d => d.Flows), StringComparer.Ordinal);
    }
}
