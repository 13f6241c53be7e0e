using Lbdeploy.Runner;
using Xunit.Abstractions;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Issue 5, the BGP-withdrawal role: the watcher apply starts takes a killed mux out of t1's VIP route within 3 s,
/// every client keeps being served, the flows the dead mux carried re-hash on the other mux to the same DIP (shared
/// Maglev table and seed) so established TCP connections survive, and a re-apply brings the mux and its route back.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class MuxFailoverTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Detection = TimeSpan.FromSeconds(3);

    [RootFact]
    public async Task A_killed_mux_leaves_the_VIP_route_within_3_s_and_comes_back_on_reapply()
    {
        await using var service = await DeployedService.StartAsync(log, Path.Combine(CliRun.RepositoryRoot, "lb.yaml"));
        Assert.Matches(@"PASS\s+watcher\s+pid \d+, muxes up: h1, h2; t1 20.0.0.1/32 -> h1, h2", service.Up.Output);
        var both = await service.RouteAsync("t1");
        Assert.Contains("nexthop via 10.13.1.2", both);
        Assert.Contains("nexthop via 10.13.2.2", both);

        // Long-lived downloads (1 MB at 128 KB/s: ~8 s each) from every client, plus a trickle of short GETs.
        var load = service.StartLoadAsync(seconds: 12, shortWorkers: 1, longWorkers: 1, longRate: 128 * 1024, rate: 5);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var h1 = DeployedService.Unit(UnitKind.Mux, "h1");
        var carried = (await DeployedService.StatsAsync(UnitKind.Mux, "h1")).Connections;
        log.WriteLine($"mux h1 carries {carried} live flows when it is killed");
        Assert.True(carried > 0, "no flow went through h1 before the kill: the test would prove nothing");

        var killed = DateTimeOffset.UtcNow;
        Assert.True(Processes.Signal(h1.Pid!.Value, Processes.SigKill));
        var withdrawn = await service.WaitForRouteAsync("t1", r => !r.Contains("10.13.1.2") && r.Contains("10.13.2.2"), Detection, killed);
        Assert.True(withdrawn is not null, $"t1 still routes the VIP to the dead mux after {Detection.TotalSeconds} s: {await service.RouteAsync("t1")}");
        log.WriteLine($"route withdrawn {withdrawn!.Value.TotalMilliseconds:0} ms after the kill: {await service.RouteAsync("t1")}");

        var gets = await service.GetFromAllClientsAsync(perClient: 4);
        Assert.True(gets.Ok == gets.Total, $"{gets.Ok}/{gets.Total} GETs with one mux: {gets.Errors}");

        var events = await load;
        var longs = events.Where(e => e.IsLong).ToList();
        var spanning = longs.Where(e => e.Start < killed && e.End > killed).ToList();
        log.WriteLine($"load: {events.Count(e => !e.IsLong)} short GETs ({events.Count(e => !e.IsLong && !e.Ok)} failed), {longs.Count} downloads, {spanning.Count} alive at the kill, {longs.Count(e => e.Broken)} broken");
        foreach (var e in events.Where(e => !e.Ok)) log.WriteLine("  " + e);
        Assert.True(spanning.Count >= 5, $"only {spanning.Count} downloads were running at the kill");
        Assert.DoesNotContain(longs, e => e.Broken);
        // A short GET may fail only if it started while the dead mux was still in the route.
        Assert.DoesNotContain(events, e => !e.Ok && !e.IsLong && (e.End < killed || e.Start > killed + withdrawn.Value));

        // Re-apply restarts the mux; the watcher puts it back into the route once it answers.
        var reapplied = DateTimeOffset.UtcNow;
        var apply = await service.RunAsync("apply", "-f", service.Spec, "--auto-approve");
        Assert.True(apply.ExitCode == 0, apply.All);
        Assert.Matches(@"~ mux h1\s+running", apply.Output);
        var restored = await service.WaitForRouteAsync("t1", r => r.Contains("nexthop via 10.13.1.2") && r.Contains("nexthop via 10.13.2.2"), TimeSpan.FromSeconds(10), reapplied);
        Assert.True(restored is not null, $"t1 did not get h1 back: {await service.RouteAsync("t1")}");
        log.WriteLine($"route restored {restored!.Value.TotalMilliseconds:0} ms after apply started");

        var verify = await service.RunAsync("verify", "-f", service.Spec);
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.Matches(@"PASS\s+watcher\s+pid \d+, muxes up: h1, h2", verify.Output);
        var watcherLog = await File.ReadAllTextAsync(DeployPaths.Default.WatcherLog);
        Assert.Contains("mux h1 failed: process", watcherLog);
        Assert.Contains("mux h1 is healthy again", watcherLog);
        var watcherPid = DeployStateFile.Default.Load()!.Watcher!.Pid;

        await service.DestroyExpectingWatcherStoppedAsync(watcherPid);
    }
}
