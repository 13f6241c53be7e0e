using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Issue 14, item 1: `lbdeploy diff` sees drift on the live testbed and `apply` repairs it. After `up`, diff is clean;
/// then by hand a route is deleted on a2 (a client subnet: the mux watcher manages only the VIP routes), the VIP is
/// deleted from h14's interface, c3's ECMP hash seed is changed and h15's agent is killed; diff exits 2 naming each; apply redoes exactly those
/// units; diff is clean again and verify passes. A plan saved before the drift is refused as stale; one saved after
/// the repair applies.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class DiffTests(ITestOutputHelper log)
{
    private const string Route = "10.14.3.0/24";

    [RootFact]
    public async Task Diff_names_a_deleted_route_a_deleted_vip_and_a_dead_agent_and_apply_repairs_them()
    {
        await using var service = await DeployedService.StartAsync(log, Path.Combine(CliRun.RepositoryRoot, "lb.yaml"));
        var clean = await service.RunAsync("diff", "-f", service.Spec);
        Assert.True(clean.ExitCode == 0, clean.All);
        Assert.Contains("diff: nothing to change", clean.Output);
        var saved = Directory.CreateTempSubdirectory("lbdeploy-saved-plan-").FullName;
        var plan = await service.RunAsync("plan", "-f", service.Spec, "--out", saved);
        Assert.True(plan.ExitCode == 0, plan.All);
        Assert.Matches(@"network: the testbed of \S+ \(launcher pid \d+\); apply would change nothing there", plan.Output);

        Assert.Contains(Route, (await service.Shell.RunCheckedAsync("a2", $"ip route show {Route}")).StandardOutput);
        await service.Shell.RunCheckedAsync("a2", $"ip route del {Route}");
        await service.Shell.RunCheckedAsync("h14", $"ip addr del {DeployedService.Vip}/32 dev h14-eth0");
        await service.Shell.RunCheckedAsync("c3", "sysctl -qw net.ipv4.fib_multipath_hash_seed=4242");
        var agent = DeployedService.Unit(UnitKind.Agent, "h15").Pid!.Value;
        Assert.True(Processes.Signal(agent, Processes.SigKill));
        await WaitAsync(() => Task.FromResult(!Processes.IsAlive(agent)), "the killed agent to go");

        var drifted = await service.RunAsync("diff", "-f", service.Spec);
        Assert.True(drifted.ExitCode == 2, drifted.All);
        Assert.Contains($"  drift switch a2: {Route} missing", drifted.Output);
        Assert.Contains($"  drift vip h14: VIP {DeployedService.Vip}/32 missing on h14-eth0", drifted.Output);
        Assert.Contains($"  drift agent h15: process {agent} is gone", drifted.Output);
        Assert.Contains("  drift switch c3: fib_multipath_hash_seed 4242 (plan: ", drifted.Output);
        Assert.Contains("0 to add, 4 to change, 0 to remove", drifted.Output);
        Assert.Contains("4 drifted", drifted.Output);

        var stale = await service.RunAsync("apply", "-f", service.Spec, "--auto-approve", saved);
        Assert.True(stale.ExitCode == 1, stale.All);
        Assert.Contains($"the plan in '{saved}' is stale: the network moved since it was planned (apply would now also do `~ switch a2", stale.Error);
        Assert.Contains("(and 3 more)", stale.Error);

        var apply = await service.RunAsync("apply", "-f", service.Spec, "--auto-approve");
        Assert.True(apply.ExitCode == 0, apply.All);
        Assert.Matches(@"~ switch a2\s+drift: 10\.14\.3\.0/24 missing", apply.Output);
        Assert.Matches(@"~ switch a2\s+rules installed again", apply.Output);
        Assert.Matches(@"~ vip h14\s+VIP configured again", apply.Output);
        Assert.Matches(@"~ switch c3\s+rules installed again", apply.Output);
        Assert.NotEqual("4242", (await service.Shell.RunCheckedAsync("c3", "sysctl -n net.ipv4.fib_multipath_hash_seed")).StandardOutput.Trim());
        Assert.Matches(@"~ agent h15\s+running", apply.Output);
        Assert.Contains(Route, (await service.Shell.RunCheckedAsync("a2", $"ip route show {Route}")).StandardOutput);

        var repaired = await service.RunAsync("diff", "-f", service.Spec);
        Assert.True(repaired.ExitCode == 0, repaired.All);
        Assert.Equal(0, (await service.RunAsync("plan", "-f", service.Spec, "--out", saved)).ExitCode);
        var fresh = await service.RunAsync("apply", "-f", service.Spec, "--auto-approve", saved);
        Assert.True(fresh.ExitCode == 0, fresh.All);
        Assert.Contains("apply: nothing to change", fresh.Output);
        Directory.Delete(saved, recursive: true);

        // The muxes take h14 and h15 back after `rise` good reports; verify wants every DIP to serve.
        await WaitAsync(async () =>
        {
            var stats = await Task.WhenAll(new[] { "h1", "h2" }.Select(h => DeployedService.StatsAsync(UnitKind.Mux, h)));
            return stats.All(s => s.Dips!.All(d => d.Health is null or "up"));
        }, "every mux to see every DIP up");
        var verify = await service.RunAsync("verify", "-f", service.Spec);
        Assert.True(verify.ExitCode == 0, verify.All);
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var until = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15);
        while (!await done())
        {
            Assert.True(DateTimeOffset.UtcNow < until, $"waited 15 s for {what}");
            await Task.Delay(100);
        }
    }
}
