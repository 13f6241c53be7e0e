using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>Apply's order and its in-place updates, on the course plan with a fake network (no mininet).</summary>
public sealed class DeployerApplyTests
{
    private static readonly string SmallerPool = File.ReadAllText(FakeRunner.Spec).Replace("dips: [h13, h14, h15, h16]", "dips: [h13, h14, h15]", StringComparison.Ordinal);

    /// <summary>The kind of step an event is, for the phase order.</summary>
    private static string StepOf(string entry) => entry switch
    {
        _ when entry.StartsWith("save", StringComparison.Ordinal) => "save",
        _ when entry.Contains("/switches/linux/", StringComparison.Ordinal) => "switch",
        _ when entry.Contains("/vip-up.sh", StringComparison.Ordinal) => "vip",
        _ when entry.Contains(": php -S", StringComparison.Ordinal) || entry.Contains(": ss -Hl", StringComparison.Ordinal) => "server",
        _ when entry.Contains(" agent --config ", StringComparison.Ordinal) => "agent",
        _ when entry.Contains(" mux --config ", StringComparison.Ordinal) => "mux",
        _ when entry.StartsWith("daemon local:", StringComparison.Ordinal) && entry.Contains(" watch --config ", StringComparison.Ordinal) => "watcher",
        _ => "other: " + entry,
    };

    /// <summary>The steps in order, runs of the same step (the units of one phase) as one; every save kept.</summary>
    private static List<string> Steps(EventLog log)
    {
        var steps = new List<string>();
        foreach (var step in log.Entries.Select(StepOf))
        {
            if (step != "save" && steps.Count > 0 && steps[^1] == step) continue;
            steps.Add(step);
        }
        return steps;
    }

    [Fact]
    public async Task A_first_apply_goes_phase_by_phase_and_saves_the_state_after_each()
    {
        using var rig = new FakeRunner();

        await rig.ApplyAsync();

        Assert.Equal(["switch", "save", "vip", "save", "server", "save", "agent", "save", "mux", "save", "save", "watcher", "save"], Steps(rig.Log));
        // Each save records exactly what had been applied by then.
        Assert.Equal([20, 24, 28, 32, 34, 34, 34], rig.Store.Saves.Select(s => s.Units.Count));
        Assert.Equal([UnitKind.Switch, UnitKind.Vip, UnitKind.Server, UnitKind.Agent, UnitKind.Mux], rig.Store.Saves.Take(5).Select(s => s.Units[^1].Kind));
        Assert.Null(rig.Store.Saves[^2].Watcher);
        Assert.NotNull(rig.Store.Saves[^1].Watcher);
        Assert.All(rig.Store.Load()!.Units.Where(u => u.Kind is UnitKind.Server or UnitKind.Agent or UnitKind.Mux),
            u => Assert.True(u.IsProcessAlive(rig.Processes), u.Label));
        Assert.Equal(rig.NodePids.OrderBy(n => n.Key, StringComparer.Ordinal), rig.Store.Load()!.Network.OrderBy(n => n.Key, StringComparer.Ordinal));
        Assert.True(rig.Deployer().Diff(rig.Plan, rig.Network).IsEmpty);
    }

    [Fact]
    public async Task The_units_of_one_phase_run_at_the_same_time()
    {
        using var rig = new FakeRunner();
        // Each VIP script waits until all four have started: applied one by one, the first would wait in vain.
        rig.Shell.Gather((_, command) => command.Contains("/vip-up.sh", StringComparison.Ordinal), 4);

        await rig.ApplyAsync();

        Assert.Equal(4, rig.Log.Count("/vip-up.sh"));
    }

    [Fact]
    public async Task A_changed_dip_pool_reloads_the_live_muxes_in_place_and_takes_the_removed_dip_off_last()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var muxPids = new[] { "h1", "h2" }.Select(h => rig.Unit(UnitKind.Mux, h).Pid).ToList();
        var agent16 = rig.Unit(UnitKind.Agent, "h16").Pid!.Value;
        var server16 = rig.Unit(UnitKind.Server, "h16").Pid!.Value;
        rig.Log.Clear();

        await rig.ApplyAsync(rig.PlanOf(SmallerPool));

        // Reloaded through their control sockets, not restarted: same pids, no new mux daemon.
        Assert.Equal(1, rig.Log.Count($"reload {rig.Socket("h1", "mux")}"));
        Assert.Equal(1, rig.Log.Count($"reload {rig.Socket("h2", "mux")}"));
        Assert.Equal(0, rig.Log.Count(" mux --config "));
        Assert.Equal(muxPids, new[] { "h1", "h2" }.Select(h => rig.Unit(UnitKind.Mux, h).Pid).ToList());
        // h16 comes off after the muxes no longer send to it: agent, then server, then its VIP.
        var lastReload = rig.Log.Last("reload ");
        var agentStop = rig.Log.First($"signal {agent16} ");
        var serverStop = rig.Log.First($"signal {server16} ");
        var vipDown = rig.Log.First("run h16: sh " + Path.Combine(rig.Paths.PlanDirectory, "hosts/h16/vip-down.sh"));
        Assert.True(lastReload < agentStop && agentStop < serverStop && serverStop < vipDown, string.Join('\n', rig.Log.Entries));
        Assert.DoesNotContain(rig.Store.Load()!.Units, u => u.Host == "h16");
        Assert.False(File.Exists(Path.Combine(rig.Paths.PlanDirectory, "hosts/h16/vip-down.sh")));
    }

    [Fact]
    public async Task A_setting_read_only_at_start_restarts_the_muxes_instead_of_a_reload_they_would_refuse()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var before = new[] { "h1", "h2" }.ToDictionary(h => h, h => rig.Unit(UnitKind.Mux, h).Pid!.Value);
        var agent = rig.Unit(UnitKind.Agent, "h13").Pid;
        rig.Log.Clear();
        var threads = rig.PlanOf(File.ReadAllText(FakeRunner.Spec).Replace("engine:\n", "engine:\n  packet_threads: 2\n", StringComparison.Ordinal));
        Assert.All(threads.Muxes, m => Assert.Equal(2, m.Engine.PacketThreads));

        var changes = await rig.ApplyWithDriftAsync(threads);

        Assert.Equal(["mux h1", "mux h2"], changes.Changes.Select(c => c.Label));
        Assert.All(changes.Changes, c => Assert.Contains("changed in a setting read only at start: restart the engine", c.Detail));
        Assert.Equal(0, rig.Log.Count("reload "));
        foreach (var (host, pid) in before)
        {
            Assert.Equal(1, rig.Log.Count($"signal {pid} "));
            Assert.NotEqual(pid, rig.Unit(UnitKind.Mux, host).Pid);
        }
        Assert.Equal(agent, rig.Unit(UnitKind.Agent, "h13").Pid); // the agents' configs did not change
        Assert.Contains("restarted, answers on its control socket", rig.Output.ToString());

        // Once restarted, a further change of what a reload can apply is a reload again.
        rig.Log.Clear();
        await rig.ApplyAsync(rig.PlanOf(File.ReadAllText(FakeRunner.Spec).Replace("engine:\n", "engine:\n  packet_threads: 2\n", StringComparison.Ordinal)
            .Replace("dips: [h13, h14, h15, h16]", "dips: [h13, h14, h15]", StringComparison.Ordinal)));
        Assert.Equal(1, rig.Log.Count($"reload {rig.Socket("h1", "mux")}"));
    }

    [Fact]
    public async Task A_dead_engine_with_a_changed_config_is_started_again_instead_of_reloaded()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var deadPid = rig.Unit(UnitKind.Mux, "h1").Pid!.Value;
        rig.Processes.Kill(deadPid);
        rig.Log.Clear();

        await rig.ApplyAsync(rig.PlanOf(SmallerPool));

        Assert.Equal(0, rig.Log.Count($"reload {rig.Socket("h1", "mux")}"));
        Assert.Equal(1, rig.Log.Count($"reload {rig.Socket("h2", "mux")}"));
        Assert.Equal(1, rig.Log.Count("daemon h1: "));
        Assert.NotEqual(deadPid, rig.Unit(UnitKind.Mux, "h1").Pid);
        Assert.True(rig.Unit(UnitKind.Mux, "h1").IsProcessAlive(rig.Processes));
    }

    [Fact]
    public async Task Redone_units_are_undone_with_their_old_files_before_anything_is_applied()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        // As if t1's rules and h13's server command had been applied from another plan.
        var state = rig.Store.Load()!;
        rig.Store.Save(state with
        {
            Units = [.. state.Units.Select(u => u.Key is "switch:t1" or "server:h13" ? u with { Hash = "0ld" } : u)],
        });
        var teardown = Path.Combine(rig.Paths.PlanDirectory, "switches/linux/t1.down.sh");
        File.WriteAllText(teardown, "# the old plan's tear-down of t1\n");
        var oldServer = rig.Unit(UnitKind.Server, "h13").Pid!.Value;
        rig.Log.Clear();

        await rig.ApplyAsync();

        var undo = rig.Shell.Calls.Single(c => c.Command == "sh " + teardown);
        Assert.Equal("# the old plan's tear-down of t1\n", undo.Script);
        var firstApply = rig.Log.First("run t1: sh " + Path.Combine(rig.Paths.PlanDirectory, "switches/linux/t1.sh"));
        Assert.True(rig.Log.First("run t1: sh " + teardown) < firstApply);
        Assert.True(rig.Log.First($"signal {oldServer} ") < firstApply);
        // Only those two were redone.
        Assert.Equal(["run t1", "run t1", "daemon h13", "run h13"], rig.Log.Entries.Where(e => e.StartsWith("run ", StringComparison.Ordinal) || e.StartsWith("daemon ", StringComparison.Ordinal)).Select(e => e[..e.IndexOf(':')]));
        Assert.Equal(rig.Plan.Files["switches/linux/t1.down.sh"], File.ReadAllText(teardown));
    }

    [Fact]
    public async Task A_failed_reload_names_the_engine()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.FailingReloads.Add(rig.Socket("h2", "mux"));

        var error = await Assert.ThrowsAsync<Lbdeploy.Common.RunnerException>(() => rig.ApplyAsync(rig.PlanOf(SmallerPool)));

        Assert.StartsWith($"mux h2: reload failed ('reload' failed on {rig.Socket("h2", "mux")}: config invalid); log ", error.Message);
        // h1's reload went through and is recorded; h2 keeps its old hash, so the next apply reloads it again.
        var changes = rig.Deployer().Diff(rig.PlanOf(SmallerPool), rig.Network);
        Assert.Contains(changes.Changes, c => c.Label == "mux h2" && c.Kind == ChangeKind.Update);
        Assert.DoesNotContain(changes.Changes, c => c.Label == "mux h1");
    }
}
