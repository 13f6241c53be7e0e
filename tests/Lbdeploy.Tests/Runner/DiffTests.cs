using System.Text.Json;
using System.Text.Json.Nodes;
using Lbdeploy.Commands;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// `lbdeploy diff` and apply's repair of drift (issue 14), on the course plan with a fake network: a route deleted on
/// a switch, the VIP deleted on a DIP and a dead agent are drift; diff exits 2 naming each, apply redoes only those.
/// </summary>
public sealed class DiffTests
{
    private const string DeletedRoute = "10.14.3.0/24";

    /// <summary>a2's route to <see cref="DeletedRoute"/>, h14's VIP and h15's agent go; returns the agent's old pid.</summary>
    private static int Drift(FakeRunner rig)
    {
        var a2 = rig.Plan.Forwarding.For("a2");
        var table = JsonNode.Parse(KernelTables.Linux(a2, rig.Plan.Fabric))!.AsArray();
        var route = table.Single(r => (string?)r!["dst"] == DeletedRoute);
        table.Remove(route);
        var drifted = table.ToJsonString();
        rig.Shell.Answer((host, command) => host == "a2" && command == FibVerifier.Command ? new ShellResult(host, command, 0, drifted, "") : null);
        var h14 = rig.Plan.Fabric.FindHost("h14")!;
        rig.Shell.Answer((host, command) => host == "h14" && command == DriftDetector.AddressCommand(h14.Interface)
            ? new ShellResult(host, command, 0, KernelTables.Addresses(h14, []), "")
            : null);
        var agent = rig.Unit(UnitKind.Agent, "h15").Pid!.Value;
        rig.Processes.Kill(agent);
        return agent;
    }

    /// <summary>The repaired network answers like a healthy one again (the newest rules win).</summary>
    private static void Repaired(FakeRunner rig)
    {
        rig.Shell.Answer((host, command) => host == "a2" && command == FibVerifier.Command
            ? new ShellResult(host, command, 0, KernelTables.Linux(rig.Plan.Forwarding.For("a2"), rig.Plan.Fabric), "")
            : null);
        var h14 = rig.Plan.Fabric.FindHost("h14")!;
        rig.Shell.Answer((host, command) => host == "h14" && command == DriftDetector.AddressCommand(h14.Interface)
            ? new ShellResult(host, command, 0, KernelTables.Addresses(h14, [rig.Plan.Service.Vip.ToString()]), "")
            : null);
    }

    [Fact]
    public async Task A_clean_deployment_has_nothing_to_change_and_exits_0()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var calls = rig.Shell.Calls.Count;

        var (code, output) = await rig.DiffAsync();

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("diff: nothing to change", output);
        Assert.Contains("34 units, no drift", output);
        // Read-only: only reads ran (FIBs and addresses), nothing was installed or started.
        Assert.All(rig.Shell.Calls.Skip(calls), c => Assert.Contains(c.Command, new[] { FibVerifier.Command, MultipathDrift.Command, DriftDetector.AddressCommand(rig.Plan.Fabric.FindHost(c.Host)?.Interface ?? "") }));
        Assert.Equal(20 + 20 + 4, rig.Shell.Calls.Count - calls);
    }

    [Fact]
    public async Task Drift_exits_2_and_names_the_route_the_vip_and_the_dead_agent()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var agent = Drift(rig);

        var (code, output) = await rig.DiffAsync();

        Assert.Equal(ExitCodes.Pending, code);
        Assert.Matches(@"~ switch a2\s+drift: 10\.14\.3\.0/24 missing", output);
        Assert.Matches(@"~ vip h14\s+drift: VIP 20\.0\.0\.1/32 missing on h14-eth0", output);
        Assert.Matches(@"~ agent h15\s+not running", output);
        Assert.Contains("  drift switch a2: 10.14.3.0/24 missing", output);
        Assert.Contains("  drift vip h14: VIP 20.0.0.1/32 missing on h14-eth0", output);
        Assert.Contains($"  drift agent h15: process {agent} is gone", output);
        Assert.Contains("plan: 0 to add, 3 to change, 0 to remove, 31 unchanged; 3 drifted", output);
    }

    [Fact]
    public async Task Json_has_a_schema_version_the_changes_and_the_drift()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var agent = Drift(rig);

        var (code, output) = await rig.DiffAsync(json: true);

        Assert.Equal(ExitCodes.Pending, code);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(Lbdeploy.Common.JsonSchema.Version, root.GetProperty("schema_version").GetInt32());
        Assert.True(root.GetProperty("ok").GetBoolean()); // changes pending is not a failure
        Assert.Equal(ExitCodes.Pending, root.GetProperty("exit_code").GetInt32());
        Assert.Equal(31, root.GetProperty("unchanged").GetInt32());
        Assert.Equal([("repair", "switch a2"), ("repair", "vip h14"), ("restart", "agent h15")],
            root.GetProperty("changes").EnumerateArray().Select(c => (c.GetProperty("kind").GetString(), c.GetProperty("unit").GetString())));
        Assert.Equal([("switch a2", "a2", "10.14.3.0/24 missing"), ("vip h14", "h14", "VIP 20.0.0.1/32 missing on h14-eth0"), ("agent h15", "h15", $"process {agent} is gone")],
            root.GetProperty("drift").EnumerateArray().Select(d => (d.GetProperty("unit").GetString(), d.GetProperty("node").GetString(), d.GetProperty("what").GetString())));
    }

    [Fact]
    public async Task Apply_redoes_only_the_drifted_units_and_diff_is_clean_after()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var muxes = new[] { "h1", "h2" }.Select(h => rig.Unit(UnitKind.Mux, h).Pid).ToList();
        var agent14 = rig.Unit(UnitKind.Agent, "h14").Pid;
        var server14 = rig.Unit(UnitKind.Server, "h14").Pid;
        var calls = rig.Shell.Calls.Count;
        var oldAgent = Drift(rig);

        var changes = await rig.ApplyWithDriftAsync();

        Assert.Equal([(ChangeKind.Repair, "switch a2"), (ChangeKind.Repair, "vip h14"), (ChangeKind.Restart, "agent h15")], changes.Changes.Select(c => (c.Kind, c.Label)));
        var scripts = rig.Shell.Calls.Skip(calls).Where(c => c.Command.StartsWith("sh ", StringComparison.Ordinal)).Select(c => (c.Host, Path.GetFileName(c.Command.Split(' ')[1]))).ToList();
        Assert.Equal([("a2", "a2.sh"), ("h14", "vip-up.sh")], scripts);
        var newAgent = rig.Unit(UnitKind.Agent, "h15").Pid!.Value;
        Assert.NotEqual(oldAgent, newAgent);
        Assert.True(rig.Processes.IsAlive(newAgent));
        // Nothing else moved: same muxes, h14's agent and server untouched.
        Assert.Equal(muxes, new[] { "h1", "h2" }.Select(h => rig.Unit(UnitKind.Mux, h).Pid));
        Assert.Equal(agent14, rig.Unit(UnitKind.Agent, "h14").Pid);
        Assert.Equal(server14, rig.Unit(UnitKind.Server, "h14").Pid);
        Assert.Matches(@"~ switch a2\s+rules installed again", rig.Output.ToString());
        Assert.Matches(@"~ vip h14\s+VIP configured again", rig.Output.ToString());

        Repaired(rig);
        var (code, output) = await rig.DiffAsync();
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("nothing to change", output);
    }

    [Fact]
    public async Task A_switch_hashing_ECMP_otherwise_is_drift_that_apply_repairs_beside_its_routes()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        Drift(rig);
        // a2 (also missing a route) and c3 lost their settings: the kernel's defaults, a random seed.
        rig.Shell.Answer((host, command) => host is "a2" or "c3" && command == MultipathDrift.Command ? new ShellResult(host, command, 0, "0\n7\n0\n", "") : null);
        var a2Seed = Lbdeploy.Ecmp.KernelMultipath.SwitchSeed(rig.Plan.FabricHashSeed, "a2");

        var (code, output) = await rig.DiffAsync();

        Assert.Equal(ExitCodes.Pending, code);
        Assert.Contains("  drift switch a2: 10.14.3.0/24 missing", output);
        Assert.Contains("  drift switch a2: fib_multipath_hash_policy 0 (plan: 3)", output);
        Assert.Contains("  drift switch a2: fib_multipath_hash_fields 0x0007 (plan: 0x0df7)", output);
        Assert.Contains($"  drift switch a2: fib_multipath_hash_seed 0 (plan: {a2Seed}, from switches.hash_seed 1)", output);
        Assert.Contains("  drift switch c3: fib_multipath_hash_policy 0 (plan: 3)", output);

        var calls = rig.Shell.Calls.Count;
        var changes = await rig.ApplyWithDriftAsync();
        Assert.Contains((ChangeKind.Repair, "switch c3"), changes.Changes.Select(c => (c.Kind, c.Label)));
        Assert.Contains(rig.Shell.Calls.Skip(calls), c => c.Host == "c3" && c.Command.StartsWith("sh ", StringComparison.Ordinal) && c.Command.Contains("/c3.sh", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_table_that_cannot_be_read_is_reported_but_apply_does_not_reinstall_the_switch()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Shell.Fail("c1", FibVerifier.Command, "Cannot open netlink socket");
        var h14 = rig.Plan.Fabric.FindHost("h14")!;
        rig.Shell.Answer((host, command) => host == "h14" && command == DriftDetector.AddressCommand(h14.Interface)
            ? new ShellResult(host, command, NodeShellExtensions.TimedOut, "", "timed out after 20 s")
            : null);

        var (code, output) = await rig.DiffAsync();

        // Unknown is not clean, so diff says so; but it is not drift either.
        Assert.Equal(ExitCodes.Pending, code);
        Assert.Contains("drift switch c1: `ip -4 -j route show table main` exited 2: Cannot open netlink socket", output);
        Assert.Contains($"drift vip h14: `{DriftDetector.AddressCommand(h14.Interface)}` exited 124: timed out after 20 s", output);
        Assert.Contains($"({DriftDetector.UnreadNote})", output);

        var calls = rig.Shell.Calls.Count;
        var changes = await rig.ApplyWithDriftAsync();
        Assert.Empty(changes.Changes);
        Assert.Equal(["switch c1", "vip h14"], changes.Observed.Select(d => d.Unit).Order());
        Assert.DoesNotContain(rig.Shell.Calls.Skip(calls), c => c.Command.StartsWith("sh ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_the_frr_target_a_drifted_fib_is_reported_but_not_repaired_by_restarting_FRR()
    {
        using var rig = new FakeRunner(FakeRunner.FrrSpec);
        await rig.ApplyAsync();
        var c1 = rig.Plan.Forwarding.For("c1");
        var table = JsonNode.Parse(KernelTables.Frr(c1, rig.Plan.Fabric))!.AsArray();
        table.Remove(table.First(r => (string?)r!["protocol"] == "bgp"));
        var drifted = table.ToJsonString();
        rig.Shell.Answer((host, command) => host == "c1" && command == FibVerifier.Command ? new ShellResult(host, command, 0, drifted, "") : null);

        var changes = await rig.Deployer().DiffAsync(rig.Plan, rig.Network);

        // A FIB that BGP fills follows a session or an announcement (a failed mux withdrawn on purpose, too):
        // restarting the switch's FRR would cut every session it has, so diff reports it and apply leaves it.
        Assert.Empty(changes.Changes);
        Assert.False(changes.Clean);
        var drift = Assert.Single(changes.Observed);
        Assert.Equal(drift, Assert.Single(changes.Drift));
        Assert.Equal(("router c1", "c1"), (drift.Unit, drift.Node));
        Assert.EndsWith(" missing", drift.What);
    }

    [Fact]
    public async Task A_VIP_route_the_watcher_narrowed_is_reported_and_left_to_the_watcher()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var t1 = rig.Plan.Forwarding.For("t1");
        var table = JsonNode.Parse(KernelTables.Linux(t1, rig.Plan.Fabric))!.AsArray();
        var vip = rig.Plan.Service.Vip + "/32";
        var route = table.Single(r => (string?)r!["dst"] == vip || (string?)r!["dst"] == rig.Plan.Service.Vip.ToString());
        var nexthops = route!["nexthops"]!.AsArray();
        var kept = nexthops[1]!.DeepClone();
        route.AsObject().Remove("nexthops");
        route["gateway"] = kept["gateway"]!.DeepClone();
        route["dev"] = kept["dev"]!.DeepClone();
        var narrowed = table.ToJsonString();
        rig.Shell.Answer((host, command) => host == "t1" && command == FibVerifier.Command ? new ShellResult(host, command, 0, narrowed, "") : null);

        var changes = await rig.Deployer().DiffAsync(rig.Plan, rig.Network);
        var (code, output) = await rig.DiffAsync();

        // The watcher narrows t1's VIP route to the healthy muxes and re-asserts it every round: re-running t1's script
        // would send traffic to a failed mux again until the next round.
        Assert.Empty(changes.Changes);
        var drift = Assert.Single(changes.Observed);
        Assert.Equal(("switch t1", "t1"), (drift.Unit, drift.Node));
        Assert.StartsWith(rig.Plan.Service.Vip + "/32 ", drift.What);
        Assert.Equal(ExitCodes.Pending, code);
        Assert.Contains("drift switch t1: " + rig.Plan.Service.Vip + "/32 ", output);
    }
}
