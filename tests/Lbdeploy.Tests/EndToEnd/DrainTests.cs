using Lbdeploy.Runner;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Issue 14, runtime drain: `lbdeploy drain h14` while every client holds slow downloads open. On both muxes h14
/// gets not one new flow and its established downloads complete; `diff` exits 2 naming the drain (apply does not undo
/// an operator's drain); `undrain h14` ends it and `diff` is clean again.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class DrainTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task A_drained_DIP_keeps_its_downloads_gets_no_new_flow_and_diff_names_it_until_undrained()
    {
        var spec = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");
        await using var service = await DeployedService.StartAsync(log, spec);

        // 1 MB downloads at 128 KB/s (~8 s each), three at a time from every client: some are on h14 at the drain.
        var load = service.StartLoadAsync(seconds: 14, shortWorkers: 1, longWorkers: 3, longRate: 128 * 1024, rate: 4);
        await Task.Delay(TimeSpan.FromSeconds(3));

        var drained = DateTimeOffset.UtcNow;
        var drain = await service.RunAsync("drain", "h14");
        Assert.True(drain.ExitCode == 0, drain.All);
        Assert.Contains("mux h1: h14 drained", drain.Output);
        Assert.Contains("mux h2: h14 drained", drain.Output);
        var atDrain = await DipFlowsAsync();
        var onDrained = (await Task.WhenAll(DeployedService.StatsAsync(UnitKind.Mux, "h1"), DeployedService.StatsAsync(UnitKind.Mux, "h2")))
            .SelectMany(s => s.Dips!).Where(d => d.Name == "h14").ToList();
        Assert.All(onDrained, d => Assert.Equal("drained", d.State));
        log.WriteLine($"h14 drained with {onDrained.Sum(d => d.ActiveFlows)} live flows");

        var gets = await service.GetFromAllClientsAsync(perClient: 8);
        Assert.True(gets.Ok == gets.Total, $"{gets.Ok}/{gets.Total} GETs after the drain: {gets.Errors}");
        var afterGets = await DipFlowsAsync();
        Assert.Equal(atDrain["h14"], afterGets["h14"]); // not one new flow on either mux since the drain
        Assert.True(afterGets["h13"] + afterGets["h15"] + afterGets["h16"] > atDrain["h13"] + atDrain["h15"] + atDrain["h16"], "the other DIPs get the new flows");

        var diff = await service.RunAsync("diff", "-f", spec);
        Assert.True(diff.ExitCode == 2, diff.All);
        Assert.Contains("drift mux h1: DIP h14 drained at run time (lb.yaml: weight 1)", diff.Output);
        Assert.Contains("drift mux h2: DIP h14 drained at run time (lb.yaml: weight 1)", diff.Output);

        var events = DeployedService.WithDips(await load);
        var longs = events.Where(e => e.IsLong).ToList();
        log.WriteLine($"load: {events.Count(e => !e.IsLong)} short GETs ({events.Count(e => !e.IsLong && !e.Ok)} failed), {longs.Count} downloads ({longs.Count(e => e.Broken)} broken)");
        foreach (var e in events.Where(e => !e.Ok)) log.WriteLine("  failed: " + e);
        Assert.True(longs.Count(e => e.Dip == "h14" && e.Start < drained && e.End > drained) > 0, "no download was on h14 when it was drained: the drain proved nothing");
        // h14's established downloads completed; nothing else broke.
        if (events.Where(e => !e.Ok).ToList() is { Count: > 0 } failed) Assert.Fail($"{failed.Count} requests of the load failed:{await service.FailureReportAsync(failed)}");
        var afterLoad = await DipFlowsAsync();
        Assert.Equal(atDrain["h14"], afterLoad["h14"]); // the load's new flows skipped h14 too

        var undrain = await service.RunAsync("undrain", "h14");
        Assert.True(undrain.ExitCode == 0, undrain.All);
        var clean = await service.RunAsync("diff", "-f", spec);
        Assert.True(clean.ExitCode == 0, clean.All);
        var again = await service.GetFromAllClientsAsync(perClient: 8);
        Assert.True(again.Ok == again.Total, $"{again.Ok}/{again.Total} GETs after the undrain: {again.Errors}");
        Assert.True((await DipFlowsAsync())["h14"] > afterLoad["h14"], "undrained h14 gets new flows again");
    }

    /// <summary>New flows per DIP, summed over both muxes.</summary>
    private static async Task<Dictionary<string, long>> DipFlowsAsync()
    {
        var stats = await Task.WhenAll(DeployedService.StatsAsync(UnitKind.Mux, "h1"), DeployedService.StatsAsync(UnitKind.Mux, "h2"));
        return stats.SelectMany(s => s.Dips!).GroupBy(d => d.Name).ToDictionary(g => g.Key, g => g.Sum(d => d.Flows), StringComparer.Ordinal);
    }
}
