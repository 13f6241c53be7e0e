using System.Diagnostics;
using Lbdeploy.Common;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Remote;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// The runner on machines reached over SSH (<see cref="MachinesTarget"/>) against a stand-in ssh client
/// (<see cref="FakeSsh"/>: every machine is this one, each with its own lbdeploy_root): destroy reaches the machines
/// the state recorded, and a machine SSH cannot reach is one line naming it and the fix while the others are
/// cleared and the state keeps exactly that machine's units.
/// </summary>
public sealed class DeployerOverSshTests : IDisposable
{
    private readonly FakeSsh ssh = new("h13", "h14");
    private readonly string stateRoot = Directory.CreateTempSubdirectory("lbdeploy-ssh-state-").FullName;
    private readonly List<Process> sleepers = [];

    public void Dispose()
    {
        foreach (var sleeper in sleepers.Where(s => !s.HasExited)) sleeper.Kill();
        ssh.Dispose();
        Directory.Delete(stateRoot, recursive: true);
    }

    private RunnerEnvironment Environment => RunnerEnvironment.Default with { State = new DeployStateFile(new DeployPaths(stateRoot), TimeProvider.System), SshProgram = ssh.Program };

    [Fact]
    public async Task Destroy_with_one_machine_down_clears_the_others_and_keeps_its_units_for_the_next_destroy()
    {
        Environment.State.Save(AppliedOnMachines("h13", "h14"));
        ssh.FailFor("h14", "ssh: connect to host 192.0.2.2 port 22: Connection refused\n");

        var error = await Assert.ThrowsAsync<RunnerException>(() => new Deployer(TextWriter.Null, Environment).DestroyAsync());

        Assert.Equal($"destroy: 2 unit(s) could not be removed (state kept in {Path.Combine(stateRoot, "deploy")}): h14 (deploy@192.0.2.2:22): no SSH server answers on port 22 (Connection refused); start sshd on the machine, or fix ansible_host / ansible_port in the inventory", error.Message);
        Assert.True(File.Exists(Path.Combine(ssh.Directory, "vip-removed-h13")));
        Assert.True(sleepers[0].WaitForExit(5000), "h13's server still runs");
        Assert.False(Directory.Exists(ssh.RootOf("h13") + "/plan"), "h13 still holds the applied plan");
        Assert.False(File.Exists(Path.Combine(ssh.Directory, "vip-removed-h14")));
        Assert.False(sleepers[1].HasExited);
        var kept = Environment.State.Load()!;
        Assert.Equal(["server h14", "vip h14"], kept.Units.Select(u => u.Label).Order());
        Assert.Equal(Transports.Ssh, kept.Transport);

        // h14 answers again: the next destroy removes what was left there and clears the state.
        ssh.FailFor("h14", null);
        var report = await new Deployer(TextWriter.Null, Environment).DestroyAsync();
        Assert.Equal(["server h14", "vip h14"], report!.Removed.Order());
        Assert.True(sleepers[1].WaitForExit(5000), "h14's server still runs");
        Assert.True(File.Exists(Path.Combine(ssh.Directory, "vip-removed-h14")));
        Assert.Null(Environment.State.Load());
    }

    [Fact]
    public async Task Destroy_clears_a_machine_that_holds_no_unit()
    {
        // h14 is a client: verify put its scripts there, and no unit runs on it.
        Environment.State.Save(AppliedOnMachines("h13") with { Machines = [.. ssh.Inventory.Hosts.Values] });
        Directory.CreateDirectory(ssh.RootOf("h14") + "/bin");
        File.WriteAllText(ssh.RootOf("h14") + "/bin/ping-all.sh", "#!/bin/sh\n");

        await new Deployer(TextWriter.Null, Environment).DestroyAsync();

        Assert.False(Directory.Exists(ssh.RootOf("h14")), "the client's lbdeploy_root is left");
        Assert.False(Directory.Exists(ssh.RootOf("h13")), "the DIP's lbdeploy_root is left");
        Assert.Null(Environment.State.Load());
    }

    [Fact]
    public async Task Apply_with_a_machine_down_names_it_before_anything_changes_anywhere()
    {
        using var directory = new Lbdeploy.Tests.Spec.SpecDirectory();
        var spec = directory.Write("topology: fattree.json\nvip: { address: 20.0.0.1 }\nmuxes: [h1]\ndips: [h13, h14]\n");
        var testbedPlan = Lbdeploy.Planning.Planner.Create(spec, "lb.yaml");
        using var machines = new FakeSsh([.. Deployer.NodesOf(testbedPlan)]);
        var plan = testbedPlan with { Inventory = machines.Inventory };
        var environment = Environment with { SshProgram = machines.Program };
        machines.FailFor("h14", "ssh: connect to host 192.0.2.2 port 22: Connection refused\n");

        var error = await Assert.ThrowsAsync<Lbdeploy.Remote.SshException>(() => new Deployer(TextWriter.Null, environment).DiffAsync(plan, MachinesTarget.For(plan.Inventory!, environment)));

        Assert.Equal($"h14 (deploy@{machines.Inventory.HostOf("h14").Address}:22): no SSH server answers on port 22 (Connection refused); start sshd on the machine, or fix ansible_host / ansible_port in the inventory", error.Message);
        Assert.Equal(36, machines.Calls.Count);
        Assert.All(machines.Calls, call => Assert.Equal("sudo -n /bin/sh -c 'true'", call[^1]));
        Assert.Null(environment.State.Load());
        Assert.All(machines.Inventory.Hosts.Values, h => Assert.False(Directory.Exists(h.Root), $"{h.Node} got files"));
    }

    [Fact]
    public async Task A_state_applied_to_machines_matches_only_those_machines()
    {
        var state = AppliedOnMachines("h13");
        var target = MachinesTarget.Of(state, Environment);
        Assert.True(target.Matches(state));
        Assert.False(target.Matches(state with { Transport = null }));
        Assert.False(target.Matches(state with { Machines = [.. state.Machines!.Select(m => m with { Address = "192.0.2.99" })] }));
        Assert.False(new TestbedTarget(null, Lbdeploy.Nodes.MininetNetwork.FromNodes(new Dictionary<string, int>()), Environment).Matches(state));
        Assert.Equal(Transports.Ssh, target.Stamp(state with { Transport = null }).Transport);
        Assert.True(await target.IsAliveAsync("h13", sleepers[0].Id, default));
    }

    /// <summary>A deployment on the fake machines: per node a VIP (its tear-down script leaves a marker) and a server (a real sleep).</summary>
    private DeployState AppliedOnMachines(params string[] nodes)
    {
        var paths = new DeployPaths(stateRoot);
        var units = new List<AppliedUnit>();
        foreach (var node in nodes)
        {
            var down = $"hosts/{node}/vip-down.sh";
            var script = $"touch {ShellQuoting.Quote(Path.Combine(ssh.Directory, "vip-removed-" + node))}\n";
            foreach (var file in new[] { Path.Combine(paths.PlanDirectory, down), ssh.RootOf(node) + "/plan/" + down })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, script);
            }
            var sleeper = Process.Start("sleep", "300");
            sleepers.Add(sleeper);
            units.Add(new AppliedUnit { Kind = UnitKind.Vip, Host = node, Hash = "h", Files = [$"hosts/{node}/vip-up.sh", down], Transport = Transports.Ssh });
            units.Add(new AppliedUnit { Kind = UnitKind.Server, Host = node, Hash = "h", Pid = sleeper.Id, ProcessFingerprint = "sleep 300", Transport = Transports.Ssh });
        }
        return new DeployState
        {
            SpecPath = "lb.yaml",
            Target = "linux",
            Network = [],
            Units = units,
            Transport = Transports.Ssh,
            Machines = [.. ssh.Inventory.Hosts.Values.Where(h => nodes.Contains(h.Node))],
            InventoryPath = "hosts.yml",
        };
    }
}
