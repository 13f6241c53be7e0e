using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Issue 12, the frr target end to end: every switch runs FRR, each mux's FRR announces the VIP while the gate on
/// its own host (`lbengine gate`) finds its engine healthy, BFD takes a dead link out; no watcher runs. Under load, a failed mux leaves the switches' VIP routes
/// within the detection bound and the long-lived connections it carried survive on the other muxes (same Maglev
/// table and seed, so the same DIP).
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class BgpFabricTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Withdrawal = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(20);

    [RootFact]
    public async Task Course_fat_tree_on_FRR_withdraws_a_killed_engine_a_cut_link_and_a_silent_host_and_keeps_every_connection()
    {
        await using var service = await DeployedService.StartAsync(log, Path.Combine(CliRun.RepositoryRoot, "examples", "fattree-frr.yaml"));
        Assert.Matches(@"bgp: converged in [\d.]+ s: 68/68 planned session ends established on 22 routers", service.Up.Output);
        Assert.Matches(@"PASS\s+bgp sessions\s+68/68", service.Up.Output);
        Assert.Matches(@"PASS\s+announce h1\s+h1 announces 20.0.0.1/32 to t1", service.Up.Output);
        Assert.Matches(@"PASS\s+switch FIBs\s+20 switches hold exactly the plan's routes", service.Up.Output);
        await AssertRouteAsync(service, "t1", ["via 10.13.1.2", "via 10.13.2.2"]);
        Assert.DoesNotContain("watcher", service.Up.Output);
        Assert.Null(DeployStateFile.Default.Load()!.Watcher);

        var load = service.StartLoadAsync(seconds: 30, shortWorkers: 1, longWorkers: 1, longRate: 96 * 1024, rate: 4);
        await Task.Delay(TimeSpan.FromSeconds(3));

        // 1. The engine dies: h1's gate withdraws its announcement, BGP takes it out of t1's route.
        var killed = DateTimeOffset.UtcNow;
        Assert.True(Processes.Signal(DeployedService.Unit(UnitKind.Mux, "h1").Pid!.Value, Processes.SigKill));
        var engineWithdrawn = await WaitForOnlyAsync(service, "t1", "10.13.2.2", "10.13.1.2", killed, "the killed engine's");
        var gateLog = DeployStateFile.Default.Load()!.Units.Single(u => u.Kind == UnitKind.Router && u.Host == "h1").Daemons.Single(d => d.Name == "gate").LogFile;
        Assert.Contains("lbengine gate h1 warn: 20.0.0.1/32 withdrawn: no engine answers on", File.ReadAllText(gateLog));
        var reapplied = DateTimeOffset.UtcNow;
        var apply = await service.RunAsync("apply", "-f", service.Spec, "--auto-approve");
        Assert.True(apply.ExitCode == 0, apply.All);
        // Only the mux restarts: t1's FIB lacks h1 on purpose (BGP withdrew it), which is no reason to touch t1's FRR.
        Assert.Matches(@"~ mux h1\s+not running", apply.Output);
        Assert.DoesNotContain("~ router", apply.Output);
        await WaitForBothAsync(service, "t1", "10.13.1.2", "10.13.2.2", reapplied, "re-apply");

        // 2. h1's link fails (cut at t1's port: h1 sees its carrier go, as with a pulled cable, and keeps its own
        // routes): t1 drops the route through it at once, BFD ends the session; the engine waits for its link and
        // the mux is announced again once it is back.
        var cut = DateTimeOffset.UtcNow;
        await service.Shell.RunCheckedAsync("t1", "ip link set t1-eth1 down");
        var linkWithdrawn = await WaitForOnlyAsync(service, "t1", "10.13.2.2", "10.13.1.2", cut, "the cut link's");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var restored = DateTimeOffset.UtcNow;
        await service.Shell.RunCheckedAsync("t1", "ip link set t1-eth1 up");
        var linkBack = await WaitForBothAsync(service, "t1", "10.13.1.2", "10.13.2.2", restored, "link up");

        // 3. h1 goes silent (t1 hears nothing from it: a frozen host, a one-way fault): only BFD can tell.
        const string silence = "nft add table netdev lbdeploy_test && nft add chain netdev lbdeploy_test silence '{ type filter hook ingress device \"t1-eth1\" priority 0; policy drop; }'";
        var silenced = DateTimeOffset.UtcNow;
        await service.Shell.RunCheckedAsync("t1", silence);
        var bfdWithdrawn = await WaitForOnlyAsync(service, "t1", "10.13.2.2", "10.13.1.2", silenced, "the silent host's");
        await service.Shell.RunCheckedAsync("t1", "nft delete table netdev lbdeploy_test");
        var heard = DateTimeOffset.UtcNow;
        var silenceBack = await WaitForBothAsync(service, "t1", "10.13.1.2", "10.13.2.2", heard, "h1 is heard again");

        var events = await load;
        var longs = events.Where(e => e.IsLong).ToList();
        var spanning = longs.Count(e => e.Start < killed && e.End > cut);
        log.WriteLine($"engine kill -> withdrawn in {engineWithdrawn.TotalMilliseconds:0} ms; link down -> withdrawn in {linkWithdrawn.TotalMilliseconds:0} ms, up -> announced again in {linkBack.TotalSeconds:0.0} s; " +
            $"host silent -> withdrawn (BFD) in {bfdWithdrawn.TotalMilliseconds:0} ms, heard -> announced again in {silenceBack.TotalSeconds:0.0} s");
        log.WriteLine($"load: {events.Count(e => !e.IsLong)} short GETs ({events.Count(e => !e.IsLong && !e.Ok)} failed), {longs.Count} downloads, {spanning} alive through the first two faults, {longs.Count(e => e.Broken)} broken");
        foreach (var e in events.Where(e => !e.Ok)) log.WriteLine("  " + e);
        Assert.True(longs.Count(e => e.Start < cut && e.End > killed) >= 5, "too few downloads were running at the faults: the test would prove nothing");
        Assert.DoesNotContain(longs, e => e.Broken);
        // A short GET may fail only while the failed mux was still in t1's route.
        Assert.DoesNotContain(events, e => !e.Ok && !e.IsLong && !Overlaps(e, killed, engineWithdrawn) && !Overlaps(e, cut, linkWithdrawn) && !Overlaps(e, silenced, bfdWithdrawn));

        var verify = await service.RunAsync("verify", "-f", service.Spec);
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.Matches(@"PASS\s+announce h1\s+h1 announces", verify.Output);
    }

    [RootFact]
    public async Task Leaf_spine_on_FRR_moves_the_VIP_to_the_other_leaf_when_a_leaf_loses_all_its_muxes()
    {
        const string vip = "20.0.0.10";
        await using var service = await DeployedService.StartAsync(log, Path.Combine(CliRun.RepositoryRoot, "examples", "leafspine-frr.yaml"), vip, ["h3", "h7", "h8", "h10", "h11"]);
        Assert.Matches(@"PASS\s+bgp sessions\s+22/22 planned session ends established on 9 routers", service.Up.Output);
        foreach (var mux in new[] { "h1", "h2", "h4" }) Assert.Matches($@"PASS\s+announce {mux}\s+{mux} announces {vip}/32", service.Up.Output);

        var status = await service.RunAsync("status");
        Assert.True(status.ExitCode == 0, status.All);
        Assert.Matches(@"BGP \(FRR on every switch and mux host\)", status.Output);
        Assert.Matches(@"\n  s1\s+\d+\s+4/4\s", status.Output);
        Assert.Matches(@"\n  h4\s+\d+\s+1/1\s", status.Output);

        // The spines send the VIP to both leaves with muxes; each names a leaf by its link address.
        var before = await service.RouteAsync("s1");
        var l1 = await LinkAddressAsync(service, "l1", "s1");
        var l2 = await LinkAddressAsync(service, "l2", "s1");
        Assert.True(before.Contains($"via {l1} ") && before.Contains($"via {l2} "), $"s1's VIP route is not over l1 ({l1}) and l2 ({l2}): {before}");

        var load = service.StartLoadAsync(seconds: 12, shortWorkers: 1, longWorkers: 2, longRate: 128 * 1024, rate: 4);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var killed = DateTimeOffset.UtcNow;
        foreach (var mux in new[] { "h1", "h2" })
        {
            Assert.True(Processes.Signal(DeployedService.Unit(UnitKind.Mux, mux).Pid!.Value, Processes.SigKill));
        }
        var spines = await Task.WhenAll(new[] { ("s1", l1, l2), ("s2", await LinkAddressAsync(service, "l1", "s2"), await LinkAddressAsync(service, "l2", "s2")) }
            .Select(s => WaitForOnlyAsync(service, s.Item1, s.Item3, s.Item2, killed, "l1's muxes'")));
        var withdrawn = spines.Max();

        var events = await load;
        var longs = events.Where(e => e.IsLong).ToList();
        log.WriteLine($"both muxes of l1 killed -> the spines route {vip} to l2 only after {withdrawn.TotalMilliseconds:0} ms");
        log.WriteLine($"load: {events.Count(e => !e.IsLong)} short GETs ({events.Count(e => !e.IsLong && !e.Ok)} failed), {longs.Count} downloads, {longs.Count(e => e.Start < killed && e.End > killed)} alive at the kill, {longs.Count(e => e.Broken)} broken");
        foreach (var e in events.Where(e => !e.Ok)) log.WriteLine("  " + e);
        Assert.True(longs.Count(e => e.Start < killed && e.End > killed) >= 5, "too few downloads were running at the kill");
        Assert.DoesNotContain(longs, e => e.Broken);
        Assert.DoesNotContain(events, e => !e.Ok && !e.IsLong && !Overlaps(e, killed, withdrawn));

        var gets = await service.GetFromAllClientsAsync(perClient: 4);
        Assert.True(gets.Ok == gets.Total, $"{gets.Ok}/{gets.Total} GETs with only h4: {gets.Errors}");
    }

    private static bool Overlaps(LoadEvent e, DateTimeOffset fault, TimeSpan detection) =>
        e.End >= fault && e.Start <= fault + detection + TimeSpan.FromMilliseconds(500);

    private static async Task AssertRouteAsync(DeployedService service, string sw, string[] parts)
    {
        var route = await service.RouteAsync(sw);
        foreach (var part in parts) Assert.True(route.Contains(part + " "), $"{sw}'s VIP route lacks '{part}': {route}");
    }

    /// <summary>Waits until <paramref name="sw"/> routes the VIP via <paramref name="kept"/> and not via <paramref name="gone"/>.</summary>
    private async Task<TimeSpan> WaitForOnlyAsync(DeployedService service, string sw, string kept, string gone, DateTimeOffset since, string what)
    {
        var took = await service.WaitForRouteAsync(sw, r => r.Contains($"via {kept} ") && !r.Contains($"via {gone} "), Withdrawal, since);
        Assert.True(took is not null, $"{sw} still routes the VIP via {gone} {Withdrawal.TotalSeconds} s after {what} failure: {await service.RouteAsync(sw)}");
        log.WriteLine($"{sw}: {what} route withdrawn after {took!.Value.TotalMilliseconds:0} ms: {await service.RouteAsync(sw)}");
        return took.Value;
    }

    private async Task<TimeSpan> WaitForBothAsync(DeployedService service, string sw, string a, string b, DateTimeOffset since, string what)
    {
        var took = await service.WaitForRouteAsync(sw, r => r.Contains($"via {a} ") && r.Contains($"via {b} "), Recovery, since);
        Assert.True(took is not null, $"{sw} did not route the VIP via {a} again {Recovery.TotalSeconds} s after {what}: {await service.RouteAsync(sw)}");
        log.WriteLine($"{sw}: route via {a} back {took!.Value.TotalSeconds:0.0} s after {what}");
        return took.Value;
    }

    /// <summary>The address of <paramref name="node"/>'s interface on its link to <paramref name="peer"/>, read inside the node.</summary>
    private static async Task<string> LinkAddressAsync(DeployedService service, string node, string peer)
    {
        // Only the address on the shared link is reached without a gateway; link subnets are not in BGP, so the
        // node's other link addresses have no route at the peer at all.
        var addresses = (await service.Shell.RunCheckedAsync(node, "ip -4 -o addr show scope global")).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0]);
        foreach (var address in addresses)
        {
            var route = await service.Shell.RunAsync(peer, $"ip route get {address}", TimeSpan.FromSeconds(5));
            if (route.Succeeded && route.StandardOutput.Contains(" dev ") && !route.StandardOutput.Contains(" via ")) return address;
        }
        throw new InvalidOperationException($"{node} has no address on a link to {peer}");
    }
}
