using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Issue 13's chaos phase set: a pool change, then a flow changes muxes. Under short requests and slow 1 MB downloads
/// from every client: the pool grown then mux h1 killed (and brought back); weights changed then h1 restarted; a DIP
/// drained then both muxes restarted one after the other; weights changed twice then h2 killed; h2 taken out of the
/// plan, the weights changed, h2 back in (it starts with h1's newer pool history). With
/// `engine.second_chance` on, no established download may break; with it off (the same phases) the broken ones show
/// what it buys. Per phase the table is printed and written to /run/lbdeploy/second-chance-{on,off}.json (README and
/// report quote them). Short requests may fail only inside a fault's 3 s detection window, either way.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class SecondChanceChaosTests(ITestOutputHelper log)
{
    public static string ReportFile(bool enabled) => Path.Combine(StateDirectories.Root, $"second-chance-{(enabled ? "on" : "off")}.json");

    [RootFact]
    public Task With_the_second_chance_no_download_breaks_when_flows_change_muxes_after_a_pool_change() => RunPhases(enabled: true);

    [RootFact]
    public Task Without_it_the_same_phases_run_and_are_reported() => RunPhases(enabled: false);

    private async Task RunPhases(bool enabled)
    {
        var root = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");
        var chance = $"engine:\n  second_chance: {{ enabled: {(enabled ? "true" : "false")} }}\n";
        string Spec(string dips, string muxes = "[h1, h2]") =>
            CliRun.DeriveSpec(root, ("dips: [h13, h14, h15, h16]", "dips: " + dips), ("muxes: [h1, h2]", "muxes: " + muxes), ("engine:\n", chance));
        var three = Spec("[h13, h14, h15]");
        var four = Spec("[h13, h14, h15, h16]");
        var reweighted = Spec("[{ host: h13, weight: 3 }, h14, h15, h16]");
        var drained = Spec("[{ host: h13, weight: 3 }, h14, h15, { host: h16, weight: 0 }]");
        var again = Spec("[h13, { host: h14, weight: 2 }, h15, { host: h16, weight: 0 }]");
        var twice = Spec("[h13, { host: h14, weight: 2 }, { host: h15, weight: 3 }, h16]");
        var h1Alone = Spec("[h13, { host: h14, weight: 2 }, { host: h15, weight: 3 }, h16]", muxes: "[h1]");
        var changedAlone = Spec("[h13, h14, h15, { host: h16, weight: 2 }]", muxes: "[h1]");
        var joined = Spec("[h13, h14, h15, { host: h16, weight: 2 }]");
        await using var service = await DeployedService.StartAsync(log, three);

        var schedule = new ChaosSchedule(service);
        // 1 MB at 64 KB/s: each download lives about 16 s, across a pool change and the mux change after it.
        var load = service.StartLoadAsync(seconds: 95, shortWorkers: 1, longWorkers: 2, longRate: 64 * 1024, rate: 4);
        DateTimeOffset Kill(string mux) => ChaosSchedule.Kill(UnitKind.Mux, mux);
        // A restart: the mux dies and `apply` starts it again (with the pool history it saved).
        async Task<DateTimeOffset?> Restart(string mux, string spec)
        {
            var at = Kill(mux);
            await schedule.Apply(spec);
            return at;
        }
        async Task<DateTimeOffset?> ChangeThen(string spec, Func<Task<DateTimeOffset?>> fault)
        {
            await schedule.Apply(spec);
            await Task.Delay(TimeSpan.FromSeconds(2)); // downloads started before the change are still running
            return await fault();
        }

        await schedule.Phase("baseline", () => Task.FromResult<DateTimeOffset?>(null), 8);
        await schedule.Phase("grown, h1 killed", () => ChangeThen(four, () => Task.FromResult<DateTimeOffset?>(Kill("h1"))), 6);
        await schedule.Phase("h1 back", async () => { await schedule.Apply(four); return null; }, 6);
        await schedule.Phase("reweighted, h1 restarted", () => ChangeThen(reweighted, () => Restart("h1", reweighted)), 8);
        await schedule.Phase("drained, h1 restarted", () => ChangeThen(drained, () => Restart("h1", drained)), 5);
        await schedule.Phase("then h2 restarted", () => Restart("h2", drained), 8);
        await schedule.Phase("weights twice, h2 killed", () => ChangeThen(again, async () =>
        {
            await schedule.Apply(twice);
            await Task.Delay(TimeSpan.FromSeconds(1));
            return Kill("h2");
        }), 8);
        await schedule.Phase("h2 out of the plan", async () => { await schedule.Apply(h1Alone); return null; }, 5);
        // h2 joins with the history h1 saved after the change (its own is older): flows the fabric moves onto it keep their DIP.
        await schedule.Phase("reweighted, h2 joined", () => ChangeThen(changedAlone, async () => { await schedule.Apply(joined); return null; }), 8);
        var events = DeployedService.WithDips(await load);
        schedule.Tail();
        var phases = schedule.Phases;

        var agents = await Task.WhenAll(new[] { "h13", "h14", "h15", "h16" }.Select(d => DeployedService.StatsAsync(UnitKind.Agent, d)));
        var redirected = agents.Sum(a => a.SecondChance?.RedirectedOut ?? 0);
        var rows = PhaseRow.Of(events, phases);
        var table = PhaseRow.Table(rows);
        log.WriteLine($"second chance {(enabled ? "on" : "off")}; packets the agents passed on: {redirected}");
        log.WriteLine(table);
        PhaseRow.Save(ReportFile(enabled), rows);
        foreach (var e in events.Where(e => !e.Ok)) log.WriteLine("  failed: " + e);
        var unexplained = PhaseRow.Unexplained(events, phases);
        foreach (var e in unexplained) log.WriteLine("  failed outside a detection window: " + e);

        Assert.True(rows.Sum(r => r.Requests) > 400, "the load generator barely ran:\n" + table);
        Assert.True(rows.Where(r => r.Phase != "baseline" && r.Phase != "tail").All(r => r.LongLived >= 10), "too few downloads across a phase to tell:\n" + table);
        Assert.True(unexplained.Count == 0, "requests failed outside a 3 s detection window:\n" + table + string.Join('\n', unexplained));
        if (enabled)
        {
            Assert.True(rows.All(r => r.Broken == 0), "downloads broke with the second chance on:\n" + table + string.Join('\n', events.Where(e => e.Broken)));
            Assert.True(redirected > 0, "no agent passed a packet on: the phases did not move any flow");
            // status shows what each DIP passed on, from the same counters (the load is over: they no longer move).
            var status = await service.RunAsync("status", "--json");
            Assert.True(status.ExitCode == 0, status.All);
            using var report = System.Text.Json.JsonDocument.Parse(status.Output);
            var dips = report.RootElement.GetProperty("dips").EnumerateArray().ToList();
            Assert.Equal(redirected, dips.Sum(d => d.GetProperty("redirected_out").GetInt64()));
            Assert.InRange(dips.Sum(d => d.GetProperty("redirected_in").GetInt64()), 1, redirected); // what the peers took in
            var text = await service.RunAsync("status");
            Assert.Contains("redir out", text.Output);
            await TraceShowsTheSecondChanceLeg(service, joined);
        }
        else
        {
            Assert.True(agents.All(a => a.SecondChance is null), "the second chance is off: agents report no second-chance stats");
        }
    }

    /// <summary>
    /// After these pool changes most slots have earlier owners: the first of h3's flows (source ports from 40000) that
    /// the mux names alternates for is traced, and the trace draws a second-chance leg to the first of them, as
    /// `conns --flow` names them.
    /// </summary>
    private static async Task TraceShowsTheSecondChanceLeg(DeployedService service, string spec)
    {
        for (var sport = 40000; sport < 40010; sport++)
        {
            var trace = await service.RunAsync("trace", "-f", spec, "--from", "h3", "--sport", sport.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
            Assert.True(trace.ExitCode == 0, trace.All);
            using var document = System.Text.Json.JsonDocument.Parse(trace.Output);
            var chance = document.RootElement.GetProperty("second_chance");
            var alternates = chance.GetProperty("alternates").EnumerateArray().Select(a => a.GetProperty("address").GetString()).ToList();
            if (alternates.Count == 0) continue;
            var legs = document.RootElement.GetProperty("legs").EnumerateArray().Where(l => l.GetProperty("kind").GetString() == "second-chance").ToList();
            Assert.True(legs.Count >= 1, trace.Output);
            Assert.True(legs[0].GetProperty("reached").GetBoolean(), trace.Output);
            var mux = chance.GetProperty("mux").GetString()!;
            var conns = await service.RunAsync("conns", "--mux", mux, "--flow", $"tcp {ClientAddress(document)}:{sport} {service.ServiceVip}:80", "--json");
            Assert.True(conns.ExitCode == 0, conns.All);
            using var lookup = System.Text.Json.JsonDocument.Parse(conns.Output);
            var named = lookup.RootElement.GetProperty("muxes")[0].GetProperty("alternates").EnumerateArray().Select(a => a.GetProperty("address").GetString()).ToList();
            Assert.Equal(alternates, named);
            return;
        }
        Assert.Fail("none of h3's flows 40000-40009 has earlier owners after four pool changes");
    }

    /// <summary>The client's address: the source of the first frame the trace shows.</summary>
    private static string ClientAddress(System.Text.Json.JsonDocument trace) =>
        trace.RootElement.GetProperty("legs")[0].GetProperty("hops")[0].GetProperty("sent").GetProperty("inner").GetProperty("source").GetString()!;
}
