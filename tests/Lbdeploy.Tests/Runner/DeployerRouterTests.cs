using System.Text.RegularExpressions;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// Apply and destroy of the frr target (examples/fattree-frr.yaml) on a fake network: FRR on every switch and mux host
/// as router units, reloads in place, their removal, and the wait for BGP on a fake clock.
/// </summary>
public sealed partial class DeployerRouterTests : IDisposable
{
    private readonly FakeRunner rig = new(FakeRunner.FrrSpec);

    public void Dispose() => rig.Dispose();

    private static string FrrText => File.ReadAllText(FakeRunner.FrrSpec);

    /// <summary>The same deployment on the linux target (without its bgp section, which only frr takes).</summary>
    private static string LinuxText => BgpLine().Replace(FrrText.Replace("target: frr", "target: linux", StringComparison.Ordinal), "");

    [GeneratedRegex(@"(?m)^bgp:.*\n(?:[ #].*\n)*")]
    private static partial Regex BgpLine();

    private string AnnounceScript => Path.Combine(rig.Paths.Scripts, "runner", "announce.sh");

    private List<AppliedUnit> Routers() => [.. rig.Store.Load()!.Units.Where(u => u.Kind == UnitKind.Router)];

    private List<int> RouterPids() => [.. Routers().SelectMany(u => u.Daemons).Select(d => d.Pid)];

    [Fact]
    public async Task A_first_apply_starts_FRR_on_every_router_daemon_by_daemon_then_loads_its_config()
    {
        await rig.ApplyAsync();

        Assert.Equal(rig.Plan.Routers.Select(r => r.Node).Order(), Routers().Select(u => u.Host).Order());
        Assert.Equal(22, Routers().Count);
        foreach (var planned in rig.Plan.Routers)
        {
            var unit = rig.Unit(UnitKind.Router, planned.Node);
            Assert.Null(unit.Pid);
            // FRR's daemons, then on a mux host its announcement gate.
            Assert.Equal(planned.Announces is null ? planned.Daemons : planned.Daemons.Append("gate"), unit.Daemons.Select(d => d.Name));
            Assert.All(unit.Daemons.Where(d => d.Name != "gate"), d =>
            {
                Assert.Equal(FrrCommands.Daemon(d.Name, planned.RuntimeDirectory), d.CommandLine);
                Assert.Equal(Path.Combine(rig.Paths.LogDirectory, $"{planned.Node}-{d.Name}.log"), d.LogFile);
                Assert.True(rig.Processes.IsAlive(d.Pid), $"{planned.Node} {d.Name}");
            });
            Assert.Equal(planned.RuntimeDirectory, unit.RuntimeDirectory);
            Assert.Equal(Path.Combine(rig.Paths.PlanDirectory, planned.ConfigFile), unit.ConfigFile);
            Assert.Equal(planned.Announces?.ToString(), unit.Announces);
            Assert.True(File.Exists(FrrCommands.VtyshConfig(planned.RuntimeDirectory)), planned.Node);
            // zebra before the daemons that connect to it; the config once every daemon answers.
            var starts = unit.Daemons.Where(d => d.Name != "gate").Select(d => rig.Log.First($"daemon {planned.Node}: {d.CommandLine}")).ToList();
            Assert.Equal(starts.Order(), starts);
            var load = rig.Log.First($"run {planned.Node}: {FrrCommands.Load(planned.RuntimeDirectory, unit.ConfigFile!)}");
            Assert.True(load > starts[^1], planned.Node);
            if (planned.Announces is null) continue;
            // The gate asks the host's mux engine, and starts once bgpd has the config whose import-check it drives.
            var gate = unit.Daemons.Single(d => d.Name == "gate");
            Assert.EndsWith($"gate --socket {rig.Socket(planned.Node, "mux")} --prefix 20.0.0.1/32 --host {planned.Node}", gate.CommandLine);
            Assert.Equal(Path.Combine(rig.Paths.LogDirectory, $"{planned.Node}-gate.log"), gate.LogFile);
            Assert.True(rig.Processes.IsAlive(gate.Pid));
            Assert.True(rig.Log.First($"daemon {planned.Node}: {gate.CommandLine}") > load, planned.Node);
        }
        Assert.Equal(["zebra", "bgpd", "bfdd", "gate"], rig.Unit(UnitKind.Router, "h1").Daemons.Select(d => d.Name));
        Assert.Equal(["zebra", "bgpd", "bfdd"], rig.Unit(UnitKind.Router, "t1").Daemons.Select(d => d.Name)); // its mux sessions have BFD
        Assert.Equal(["zebra", "bgpd"], rig.Unit(UnitKind.Router, "c1").Daemons.Select(d => d.Name));
        Assert.Equal(["20.0.0.1/32", "20.0.0.1/32"], Routers().Where(u => u.Announces is not null).Select(u => u.Announces));
        Assert.Equal(["h1", "h2"], Routers().Where(u => u.Announces is not null).Select(u => u.Host));
        // Routers come after the muxes; no watcher: the gates withdraw failed muxes on their own hosts.
        Assert.True(rig.Log.First("daemon t1: /usr/lib/frr/zebra") > rig.Log.Last(" mux --config "));
        Assert.Equal(0, rig.Log.Count(" watch --config "));
        Assert.Null(rig.Store.Load()!.Watcher);
        Assert.False(rig.Plan.Files.ContainsKey(Lbdeploy.Rendering.PlanFiles.Watcher));
        Assert.Contains("bgp: converged in 0.0 s: 68/68 planned session ends established on 22 routers; 20 switches hold exactly the plan's routes", rig.Output.ToString());
        Assert.True(rig.Deployer().Diff(rig.Plan, rig.Network).IsEmpty);
    }

    [Fact]
    public async Task A_second_apply_with_no_change_touches_no_router()
    {
        await rig.ApplyAsync();
        var pids = RouterPids();
        rig.Log.Clear();

        var changes = rig.Deployer().Diff(rig.Plan, rig.Network);
        Assert.True(changes.IsEmpty);
        Assert.Equal(DeployUnit.FromPlan(rig.Plan).Length, changes.Unchanged);
        await rig.Deployer().ApplyAsync(rig.Plan, rig.Network, changes);

        Assert.Equal(pids, RouterPids());
        Assert.Equal(0, rig.Log.Count("/usr/lib/frr/"));
        Assert.Equal(0, rig.Log.Count(" -f "));
        Assert.Equal(0, rig.Log.Count("signal "));
        Assert.Equal(0, rig.Log.Count("announce.sh"));
    }

    [Fact]
    public async Task A_changed_config_is_reloaded_into_the_running_daemons_not_restarted()
    {
        await rig.ApplyAsync();
        var pids = RouterPids();
        var hashes = Routers().ToDictionary(u => u.Host, u => u.Hash);
        rig.Log.Clear();
        // Slower BFD: only the FRR configs with a BFD session change (the mux hosts and their switch t1).
        var plan = rig.PlanOf(FrrText.Replace("interval: 100ms", "interval: 200ms", StringComparison.Ordinal));

        var changes = rig.Deployer().Diff(plan, rig.Network);
        Assert.Equal(["router h1", "router h2", "router t1"], changes.Changes.Select(c => c.Label).Order());
        Assert.All(changes.Changes, c => Assert.Equal(ChangeKind.Update, c.Kind));
        await rig.Deployer().ApplyAsync(plan, rig.Network, changes);

        foreach (var node in new[] { "h1", "h2", "t1" })
        {
            var unit = rig.Unit(UnitKind.Router, node);
            Assert.Single(rig.Shell.Calls, c => c.Host == node && c.Command == FrrCommands.Reload(unit.RuntimeDirectory!, unit.ConfigFile!));
            Assert.NotEqual(hashes[node], unit.Hash);
        }
        Assert.Equal(pids, RouterPids());
        Assert.All(RouterPids(), pid => Assert.True(rig.Processes.IsAlive(pid)));
        Assert.Equal(0, rig.Log.Count("signal "));
        Assert.Equal(0, rig.Log.Count("daemon "));
        Assert.Equal(0, rig.Log.Count("announce.sh")); // the announcement was never taken down
        Assert.Equal(3, rig.Log.Count("frr-reload.py"));
        Assert.True(rig.Deployer().Diff(plan, rig.Network).IsEmpty);
    }

    [Fact]
    public async Task A_router_whose_daemons_were_started_differently_is_restarted()
    {
        await rig.ApplyAsync();
        var state = rig.Store.Load()!;
        var old = rig.Unit(UnitKind.Router, "t1");
        // An older lbdeploy started t1's daemons with another command line (and so recorded another hash).
        var older = old with { Hash = "0123456789abcdef", Daemons = [.. old.Daemons.Select(d => d with { CommandLine = d.CommandLine.Replace(" -P 0", "", StringComparison.Ordinal) })] };
        rig.Store.Save(state with { Units = [.. state.Units.Select(u => u.Key == old.Key ? older : u)] });
        rig.Log.Clear();

        await rig.ApplyAsync();

        Assert.All(old.Daemons, d => Assert.False(rig.Processes.IsAlive(d.Pid), d.Name));
        var now = rig.Unit(UnitKind.Router, "t1");
        Assert.Equal(3, now.Daemons.Count);
        Assert.All(now.Daemons, d => Assert.DoesNotContain(d.Pid, old.Daemons.Select(o => o.Pid)));
        Assert.Equal(0, rig.Log.Count("frr-reload.py"));
        Assert.True(rig.Log.Last("signal ") < rig.Log.First("daemon t1: /usr/lib/frr/zebra"));
    }

    [Fact]
    public async Task A_router_with_a_dead_daemon_is_started_again_whole()
    {
        await rig.ApplyAsync();
        var old = rig.Unit(UnitKind.Router, "a1");
        rig.Processes.Kill(old.Daemons.Single(d => d.Name == "bgpd").Pid);

        var change = Assert.Single(rig.Deployer().Diff(rig.Plan, rig.Network).Changes);
        Assert.Equal(ChangeKind.Restart, change.Kind);
        await rig.ApplyAsync();

        Assert.False(rig.Processes.IsAlive(old.Daemons.Single(d => d.Name == "zebra").Pid)); // the survivor was stopped too
        Assert.True(rig.Unit(UnitKind.Router, "a1").IsProcessAlive(rig.Processes));
    }

    [Fact]
    public async Task A_mux_host_whose_gate_died_is_started_again_whole_and_its_announcement_taken_down_first()
    {
        await rig.ApplyAsync();
        var old = rig.Unit(UnitKind.Router, "h2");
        rig.Processes.Kill(old.Daemons.Single(d => d.Name == "gate").Pid);
        rig.Log.Clear();

        var change = Assert.Single(rig.Deployer().Diff(rig.Plan, rig.Network).Changes);
        Assert.Equal(ChangeKind.Restart, change.Kind);
        Assert.Equal("router h2", change.Label);
        await rig.ApplyAsync();

        Assert.All(old.Daemons, d => Assert.False(rig.Processes.IsAlive(d.Pid), d.Name));
        var now = rig.Unit(UnitKind.Router, "h2");
        Assert.Equal(["zebra", "bgpd", "bfdd", "gate"], now.Daemons.Select(d => d.Name));
        Assert.True(now.IsProcessAlive(rig.Processes));
        Assert.True(rig.Log.First($"{AnnounceScript} off 20.0.0.1/32") < rig.Log.First("daemon h2: /usr/lib/frr/zebra"));
    }

    [Fact]
    public async Task A_gate_that_exits_at_start_fails_apply_with_its_log_and_stops_that_hosts_FRR()
    {
        rig.Shell.DieAtStart((host, command) => host == "h1" && command.Contains(" gate --socket ", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.ApplyAsync());

        Assert.StartsWith("the announcement gate on h1 exited at start (`", error.Message);
        Assert.Contains(Path.Combine(rig.Paths.LogDirectory, "h1-gate.log"), error.Message);
        var h1 = rig.Log.Entries.Where(e => e.StartsWith("daemon h1: ", StringComparison.Ordinal) && !e.Contains(" mux --config ", StringComparison.Ordinal)).Select(e => int.Parse(e.Split("-> ")[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, h1.Count);
        Assert.All(h1, pid => Assert.False(rig.Processes.IsAlive(pid)));
        Assert.DoesNotContain(rig.Store.Load()!.Units, u => u.Key == "router:h1");
        Assert.Equal(1, rig.Log.Count($"run h1: sh {AnnounceScript} off 20.0.0.1/32")); // nothing recorded would take it back later
    }

    [Fact]
    public async Task A_config_FRR_refuses_fails_apply_and_stops_that_routers_daemons()
    {
        rig.Shell.Fail("c2", " -f ", "line 12: % Unknown command: neighbor 20.1.10.1 remote-as 42\u001b[0m");

        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.ApplyAsync());

        Assert.StartsWith("router c2: FRR refused switches/frr/c2.conf: line 12: % Unknown command: neighbor 20.1.10.1 remote-as 42\\x1b[0m; log ", error.Message);
        var c2 = rig.Log.Entries.Where(e => e.StartsWith("daemon c2: ", StringComparison.Ordinal)).Select(e => int.Parse(e.Split("-> ")[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, c2.Count);
        Assert.All(c2, pid => Assert.False(rig.Processes.IsAlive(pid)));
        Assert.DoesNotContain(rig.Store.Load()!.Units, u => u.Key == "router:c2");
    }

    [Fact]
    public async Task Leaving_the_frr_target_stops_every_router_withdraws_the_mux_announcements_and_removes_their_folders()
    {
        await rig.ApplyAsync();
        var pids = RouterPids();
        var folders = Routers().Select(u => u.RuntimeDirectory!).ToList();
        Assert.All(folders, f => Assert.True(Directory.Exists(f), f));
        rig.Log.Clear();

        await rig.ApplyAsync(rig.PlanOf(LinuxText));

        Assert.Empty(Routers());
        Assert.All(pids, pid => Assert.False(rig.Processes.IsAlive(pid)));
        Assert.All(folders, f => Assert.False(Directory.Exists(f), f));
        var announce = rig.Shell.Calls.Where(c => c.Command.Contains("announce.sh", StringComparison.Ordinal)).Select(c => $"{c.Host}: {c.Command}").Order();
        Assert.Equal([$"h1: sh {AnnounceScript} off 20.0.0.1/32", $"h2: sh {AnnounceScript} off 20.0.0.1/32"], announce);
        // Taken off last, after the switches have their static routes.
        Assert.True(rig.Log.First("signal ") > rig.Log.Last("/switches/linux/"));
        Assert.Equal(0, rig.Log.Count(BgpNodeSummary.Command));
    }

    [Fact]
    public async Task Destroy_stops_the_routers_first_and_withdraws_the_announcements()
    {
        await rig.ApplyAsync();
        var pids = RouterPids();
        var folders = Routers().Select(u => u.RuntimeDirectory!).ToList();
        var muxPid = rig.Unit(UnitKind.Mux, "h1").Pid!.Value;
        rig.Log.Clear();

        Assert.NotNull(await rig.Deployer().DestroyAsync());

        Assert.All(pids, pid => Assert.False(rig.Processes.IsAlive(pid)));
        Assert.All(folders, f => Assert.False(Directory.Exists(f), f));
        Assert.Equal(2, rig.Log.Count($"{AnnounceScript} off 20.0.0.1/32"));
        Assert.True(rig.Log.Last($"{AnnounceScript} off") < rig.Log.First($"signal {muxPid} "));
        Assert.Null(rig.Store.Load());
    }

    [Fact]
    public async Task Apply_waits_on_its_clock_for_sessions_that_come_up_late()
    {
        var reads = 0;
        var late = BgpSamples.Summary(rig.Plan.Bgp!, "t1", n => n.Peer == "h2" ? "OpenSent" : "Established");
        var command = FrrCommands.Show(rig.RuntimeDirectory("t1"), BgpNodeSummary.Command);
        rig.Shell.Answer((host, c) => host == "t1" && c == command && Interlocked.Increment(ref reads) <= 4 ? new ShellResult(host, c, 0, late, "") : null);

        var apply = rig.ApplyAsync();
        await rig.Time.AdvanceUntilDoneAsync(apply, TimeSpan.FromMilliseconds(250));

        Assert.Equal(5, reads); // four polls 250 ms apart saw t1-h2 down, the fifth found every session up
        var waited = Regex.Match(rig.Output.ToString(), @"bgp: converged in (\d+\.\d) s: 68/68 planned session ends established");
        Assert.True(waited.Success, rig.Output.ToString());
        Assert.True(double.Parse(waited.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1.0, waited.Value);
    }

    [Fact]
    public async Task Sessions_that_never_come_up_fail_apply_after_the_timeout_naming_them()
    {
        rig.AnswerBgp("t1", BgpNodeSummary.Command, BgpSamples.Summary(rig.Plan.Bgp!, "t1", n => n.Peer == "h1" ? "Connect" : "Established"));

        var apply = rig.ApplyAsync();
        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.Time.AdvanceUntilDoneAsync(apply, TimeSpan.FromSeconds(1)));

        Assert.Equal(
            $"BGP did not converge within 90 s: 67/68 planned session ends established; not up: t1-h1 (10.13.1.2): Connect; FRR logs in {rig.Paths.LogDirectory}",
            error.Message);
        Assert.Equal(22, Routers().Count); // recorded, so destroy can stop them
    }

    [Fact]
    public async Task Established_sessions_with_a_switch_FIB_that_differs_fail_apply_with_the_FIB_difference()
    {
        rig.Shell.Answer((host, c) => host == "c3" && c == FibVerifier.Command ? new ShellResult(host, c, 0, "[]", "") : null);

        var apply = rig.ApplyAsync();
        var error = await Assert.ThrowsAsync<RunnerException>(() => rig.Time.AdvanceUntilDoneAsync(apply, TimeSpan.FromSeconds(1)));

        Assert.StartsWith("BGP did not converge within 90 s: 1/20 switches differ from the plan (", error.Message);
        Assert.Contains("c3", error.Message);
    }
}
