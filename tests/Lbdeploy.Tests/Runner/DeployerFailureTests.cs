using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>Apply and destroy when a unit fails half-way: the state says exactly what is applied, the error names the unit.</summary>
public sealed class DeployerFailureTests
{
    [Fact]
    public async Task A_unit_failing_half_way_leaves_an_accurate_state_and_the_next_apply_picks_up_from_there()
    {
        using var rig = new FakeRunner();
        rig.Shell.Fail("h15", "/vip-up.sh", "RTNETLINK answers: File exists");

        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.ApplyAsync());

        var script = Path.Combine(rig.Paths.PlanDirectory, "hosts/h15/vip-up.sh");
        Assert.Equal($"h15: `sh {script}` exited 2: RTNETLINK answers: File exists", error.Message);
        // The switches and the other three VIPs are applied and recorded; nothing of a later phase was started.
        var state = rig.Store.Load()!;
        Assert.Equal(20, state.Units.Count(u => u.Kind == UnitKind.Switch));
        Assert.Equal(["h13", "h14", "h16"], state.Units.Where(u => u.Kind == UnitKind.Vip).Select(u => u.Host));
        Assert.DoesNotContain(state.Units, u => u.Kind > UnitKind.Vip);
        Assert.Equal(0, rig.Log.Count("daemon "));

        rig.Shell.Answer((host, command) => host == "h15" && command.Contains("/vip-up.sh", StringComparison.Ordinal) ? new ShellResult(host, command, 0, "", "") : null);
        var changes = rig.Deployer().Diff(rig.Plan, rig.Network);
        Assert.Equal("11 to add, 0 to change, 0 to remove, 23 unchanged", changes.Summary);
        rig.Log.Clear();
        await rig.ApplyAsync();

        Assert.Equal(0, rig.Log.Count("/switches/linux/"));
        Assert.Equal(["run h15: sh " + script], rig.Log.Entries.Where(e => e.Contains("/vip-up.sh", StringComparison.Ordinal)));
        Assert.Equal(34, rig.Store.Load()!.Units.Count);
    }

    [Fact]
    public async Task A_server_that_never_listens_fails_after_the_timeout_on_the_runners_clock()
    {
        using var rig = new FakeRunner();
        rig.Shell.Answer((host, command) => host == "h14" && command.StartsWith("ss -Hl", StringComparison.Ordinal) ? new ShellResult(host, command, 0, "", "") : null);
        var started = rig.Time.GetUtcNow();

        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.Time.AdvanceUntilDoneAsync(rig.ApplyAsync(), TimeSpan.FromMilliseconds(100)));

        var log = Path.Combine(rig.Paths.LogDirectory, "h14-server.log");
        Assert.Equal($"the server on h14 did not listen on 20.0.0.1:80/tcp within 15 s; log {log}:", error.Message.Split(Environment.NewLine)[0]);
        // The fake clock moves 100 ms per real millisecond while apply runs, also before the server's wait begins (more
        // so on a busy machine): the upper bound only rules out a wait on the real clock, which would take ~1500 s here.
        Assert.InRange(rig.Time.GetUtcNow() - started, UnitOperations.ServerStartTimeout, UnitOperations.ServerStartTimeout + TimeSpan.FromSeconds(60));
        Assert.Equal(["h13", "h15", "h16"], rig.Store.Load()!.Units.Where(u => u.Kind == UnitKind.Server).Select(u => u.Host));
    }

    [Fact]
    public async Task An_engine_that_exits_at_start_is_named_and_no_mux_is_started()
    {
        using var rig = new FakeRunner();
        rig.Shell.DieAtStart((host, command) => host == "h14" && command.Contains(" agent --config ", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.ApplyAsync());

        Assert.Equal($"the agent on h14 exited at start; log {Path.Combine(rig.Paths.LogDirectory, "h14-agent.log")}:", error.Message.Split(Environment.NewLine)[0]);
        Assert.Equal(["h13", "h15", "h16"], rig.Store.Load()!.Units.Where(u => u.Kind == UnitKind.Agent).Select(u => u.Host));
        Assert.Equal(0, rig.Log.Count(" mux --config "));
    }

    [Fact]
    public async Task An_engine_that_never_answers_is_stopped_and_named_after_the_timeout()
    {
        using var rig = new FakeRunner();
        rig.Engines.Silence(rig.Socket("h2", "mux"));

        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.Time.AdvanceUntilDoneAsync(rig.ApplyAsync(), TimeSpan.FromMilliseconds(200)));

        Assert.StartsWith($"the mux on h2 did not answer on {rig.Socket("h2", "mux")} within 45 s; log ", error.Message);
        var pid = int.Parse(rig.Log.Entries.Single(e => e.StartsWith("daemon h2: ", StringComparison.Ordinal)).Split(" -> ")[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(rig.Processes.IsAlive(pid));
        Assert.Equal(["h1"], rig.Store.Load()!.Units.Where(u => u.Kind == UnitKind.Mux).Select(u => u.Host));
    }

    [Fact]
    public async Task Destroy_stops_the_watcher_first_then_takes_units_off_in_reverse_and_clears_the_state()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var state = rig.Store.Load()!;
        var histories = new[] { "h1", "h2" }.Select(mux => Lb.Core.Maglev.PoolHistoryFile.PathFor(rig.Socket(mux, "mux"))).ToList();
        foreach (var history in histories)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(history)!);
            File.WriteAllText(history, "what the mux wrote");
        }
        rig.Log.Clear();

        Assert.NotNull(await rig.Deployer().DestroyAsync());

        Assert.All(histories, history => Assert.False(File.Exists(history), $"{history} outlived destroy"));
        var watcherStop = rig.Log.First($"signal {state.Watcher!.Pid} ");
        var muxStop = rig.Log.Last($"signal {state.Units.Single(u => u.Key == "mux:h1").Pid} ");
        var agentStop = rig.Log.First($"signal {state.Units.Single(u => u.Key == "agent:h13").Pid} ");
        var vipDown = rig.Log.First("/vip-down.sh");
        var switchDown = rig.Log.First(".down.sh");
        Assert.True(watcherStop < muxStop && muxStop < agentStop && agentStop < vipDown && rig.Log.Last("/vip-down.sh") < switchDown, string.Join('\n', rig.Log.Entries));
        Assert.Equal(20, rig.Log.Count("/switches/linux/"));
        Assert.Null(rig.Store.Load());
    }

    [Fact]
    public async Task Destroy_with_a_failing_unit_removes_the_rest_keeps_the_state_and_names_it()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Shell.Fail("h14", "/vip-down.sh", "Cannot find device \"h14-eth0\"");
        rig.Log.Clear();

        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.Deployer().DestroyAsync());

        var script = Path.Combine(rig.Paths.PlanDirectory, "hosts/h14/vip-down.sh");
        Assert.Equal($"destroy: 1 unit(s) could not be removed (state kept in {rig.Paths.Directory}): h14: `sh {script}` exited 2: Cannot find device \"h14-eth0\"", error.Message);
        Assert.NotNull(rig.Store.Load());
        Assert.Equal(20, rig.Log.Count("/switches/linux/"));
        Assert.Equal(4, rig.Log.Count("/vip-down.sh"));
        Assert.All(rig.Store.Load()!.Units.Where(u => u.Pid is not null), u => Assert.False(u.IsProcessAlive(rig.Processes), u.Label));
    }

    [Fact]
    public async Task Destroy_after_the_network_stopped_stops_leftover_processes_by_pid_and_clears_the_state()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var engines = rig.Store.Load()!.Units.Where(u => u.Pid is not null).ToList();
        foreach (var pid in rig.NodePids.Values) rig.Processes.Kill(pid);
        rig.Log.Clear();

        Assert.NotNull(await rig.Deployer().DestroyAsync());

        Assert.DoesNotContain(rig.Shell.Calls, c => c.Command.Contains(".down.sh", StringComparison.Ordinal));
        Assert.All(engines, u => Assert.Equal(1, rig.Log.Count($"signal {u.Pid} ")));
        Assert.Null(rig.Store.Load());
        Assert.Contains("the network it was applied to is gone", rig.Output.ToString());
    }
}
