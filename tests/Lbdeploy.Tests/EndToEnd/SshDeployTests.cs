using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lbdeploy.Nodes;
using Lbdeploy.Testbed;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// The default lb.yaml deployed onto machines through SSH only: a testbed's nodes stand in for the machines
/// (<see cref="SshStandIn"/>, every host and switch with its own sshd), and lbdeploy runs inside the test's management
/// namespace with a state folder of its own, where no testbed runs (so it has no node to mnexec into). apply records
/// every unit as reached over ssh and each engine and server runs under the machine's supervisor inside its node;
/// verify passes from the client machines; a second apply changes nothing; destroy leaves no process and no
/// lbdeploy_root behind.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class SshDeployTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task The_default_spec_deploys_verifies_and_destroys_over_ssh_only()
    {
        if (!File.Exists("/usr/sbin/sshd")) Assert.Fail("needs openssh-server (/usr/sbin/sshd): run tools/bootstrap.sh --with-test-tools");
        var id = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var testbedState = Path.Combine(Path.GetTempPath(), $"lbd-sshtb-{id}");
        var machinesState = Path.Combine(Path.GetTempPath(), $"lbd-sshm-{id}");
        var spec = CliRun.DeriveSpec(Path.Combine(CliRun.RepositoryRoot, "lb.yaml"));
        SshStandIn? standIn = null;
        try
        {
            var up = await RunAsync(testbedState, null, "testbed", "up", "-f", spec);
            Assert.True(up.ExitCode == 0, up.Output);
            var network = TestbedNetwork.Running(new TestbedState(Path.Combine(testbedState, "testbed")));
            var names = network.Nodes.Keys.Order(Lbdeploy.Topology.NaturalOrder.Instance).ToList();
            standIn = await SshStandIn.StartAsync(network, names);
            File.AppendAllText(spec, $"\ninventory: {standIn.InventoryFile}\n");

            var apply = await RunAsync(machinesState, standIn.Namespace, "apply", "-f", spec, "--auto-approve");
            Assert.True(apply.ExitCode == 0, apply.Output);
            Assert.Contains("over SSH", apply.Output);

            // Every unit was reached over ssh; every process runs under the machine's supervisor, inside its node.
            using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(machinesState, "deploy", "applied.json")));
            Assert.Equal("ssh", state.RootElement.GetProperty("transport").GetString());
            var units = state.RootElement.GetProperty("units").EnumerateArray().ToList();
            Assert.Equal(20 + 4 * 3 + 2, units.Count); // switches, and per DIP its VIP, server and agent, and the muxes
            Assert.All(units, u => Assert.Equal("ssh", u.GetProperty("transport").GetString()));
            // A pid with the command line it had: this machine's pids wrap at 32768, and a long run reuses them.
            var pids = new List<(int Pid, string Argv)>();
            foreach (var unit in units.Where(u => u.TryGetProperty("pid", out _)))
            {
                var host = unit.GetProperty("host").GetString()!;
                var pid = unit.GetProperty("pid").GetInt32();
                var argv = Processes.CommandLine(pid);
                pids.Add((pid, string.Join(' ', argv)));
                Assert.True(argv.Any(a => a.EndsWith("/bin/supervise.sh", StringComparison.Ordinal)), $"{host}: pid {pid} is {string.Join(' ', argv)}");
                Assert.StartsWith(standIn.RootOf(host), unit.GetProperty("log_file").GetString());
                Assert.Equal(Processes.NetworkNamespace(network.PidOf(host)), Processes.NetworkNamespace(pid));
            }
            Assert.Equal(4 * 2 + 2, pids.Count);
            Assert.False(Directory.Exists(Path.Combine(machinesState, "testbed")), "the machines' state folder has no testbed");

            // A machine's own route through its management interface is not the plan's: verify and apply leave it alone.
            await new HostShell(network).RunCheckedAsync("c1", "ip route add 198.51.100.0/24 via 192.168.77.254 dev lbmgmt0");
            var verify = await RunAsync(machinesState, standIn.Namespace, "verify", "-f", spec);
            Assert.True(verify.ExitCode == 0, verify.Output);

            var again = await RunAsync(machinesState, standIn.Namespace, "apply", "-f", spec, "--auto-approve");
            Assert.True(again.ExitCode == 0, again.Output);
            Assert.Contains("apply: nothing to change; the machines match the plan (34 units)", again.Output);

            // diff and saved plans on machines as on the testbed: a route deleted by hand on switch a2 is drift (exit 2),
            // a plan saved now sees it, apply of that plan repairs it, and diff is clean after.
            var clean = await RunAsync(machinesState, standIn.Namespace, "diff", "-f", spec);
            Assert.True(clean.ExitCode == 0, clean.Output);
            await new HostShell(network).RunCheckedAsync("a2", "ip route del 10.14.3.0/24");
            var drifted = await RunAsync(machinesState, standIn.Namespace, "diff", "-f", spec);
            Assert.True(drifted.ExitCode == 2, drifted.Output);
            Assert.Contains("drift switch a2: 10.14.3.0/24 missing", drifted.Output);
            var saved = Path.Combine(machinesState, "saved-plan");
            var planned = await RunAsync(machinesState, standIn.Namespace, "plan", "-f", spec, "--out", saved);
            Assert.True(planned.ExitCode == 0, planned.Output);
            Assert.Contains($"network: the machines of {standIn.InventoryFile}; apply would make 1 change(s) there", planned.Output);
            var repaired = await RunAsync(machinesState, standIn.Namespace, "apply", "-f", spec, "--auto-approve", saved);
            Assert.True(repaired.ExitCode == 0, repaired.Output);
            Assert.Matches(@"~ switch a2\s+rules installed again", repaired.Output);
            var stale = await RunAsync(machinesState, standIn.Namespace, "apply", "-f", spec, "--auto-approve", saved);
            Assert.True(stale.ExitCode == 1, stale.Output);
            Assert.Contains("is stale: the machines changed since it was planned", stale.Output);
            var after = await RunAsync(machinesState, standIn.Namespace, "diff", "-f", spec);
            Assert.True(after.ExitCode == 0, after.Output);

            var status = await RunAsync(machinesState, standIn.Namespace, "status", "--json");
            Assert.True(status.ExitCode == 0, status.Output);
            Assert.DoesNotContain("not running", status.Output);

            // h16's SSH goes away: destroy removes everything else, names h16 and the fix in one line, and keeps
            // exactly h16's units; once h16 answers again, destroy removes them.
            var control = Path.Combine(machinesState, "ssh");
            await standIn.StopSshdAsync("h16");
            await standIn.EndMasterAsync("h16", control);
            var partial = await RunAsync(machinesState, standIn.Namespace, "destroy");
            Assert.True(partial.ExitCode != 0, partial.Output);
            Assert.Contains($"destroy: 3 unit(s) could not be removed (state kept in {Path.Combine(machinesState, "deploy")}): h16 (root@{standIn.AddressOf("h16")}:22): no SSH server answers on port 22 (Connection refused); start sshd on the machine, or fix ansible_host / ansible_port in the inventory", partial.Output);
            using (var kept = JsonDocument.Parse(File.ReadAllText(Path.Combine(machinesState, "deploy", "applied.json"))))
            {
                Assert.Equal(["agent h16", "server h16", "vip h16"], kept.RootElement.GetProperty("units").EnumerateArray()
                    .Select(u => $"{u.GetProperty("kind").GetString()} {u.GetProperty("host").GetString()}").Order());
            }
            Assert.False(Directory.Exists(Path.Combine(standIn.RootOf("h15"), "plan")), "h15 still holds the applied plan");
            await standIn.StartSshdAsync("h16");
            var destroy = await RunAsync(machinesState, standIn.Namespace, "destroy");
            Assert.True(destroy.ExitCode == 0, destroy.Output);
            Assert.All(pids, p => Assert.False(Processes.IsAlive(p.Pid) && string.Join(' ', Processes.CommandLine(p.Pid)) == p.Argv, $"pid {p.Pid} still runs: {p.Argv}"));
            foreach (var node in names)
            {
                var root = standIn.RootOf(node);
                var left = Directory.Exists(root) ? Directory.GetFileSystemEntries(root).Select(Path.GetFileName).ToList() : [];
                Assert.False(Directory.Exists(root), $"{node}: {root} is left, holding {string.Join(", ", left)}");
            }
            Assert.False(File.Exists(Path.Combine(machinesState, "deploy", "applied.json")));
        }
        finally
        {
            if (standIn is not null)
            {
                foreach (var node in standIn.Names) await standIn.EndMasterAsync(node, Path.Combine(machinesState, "ssh"));
                await standIn.DisposeAsync();
            }
            if (Directory.Exists(testbedState))
            {
                await RunAsync(testbedState, null, "testbed", "down");
                Directory.Delete(testbedState, recursive: true);
            }
            if (Directory.Exists(machinesState)) Directory.Delete(machinesState, recursive: true);
            File.Delete(spec);
        }
    }

    /// <summary>The CLI, inside <paramref name="namespaceName"/> when given (the management network's: it reaches the machines only there).</summary>
    private async Task<(int ExitCode, string Output)> RunAsync(string stateFolder, string? namespaceName, params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "lbdeploy.dll");
        string[] prefix = namespaceName is null ? [] : ["ip", "netns", "exec", namespaceName];
        var argv = prefix.Concat(["dotnet", "exec", cli]).Concat(args).ToList();
        var start = new ProcessStartInfo(argv[0]);
        foreach (var arg in argv.Skip(1)) start.ArgumentList.Add(arg);
        start.Environment["LBDEPLOY_STATE_DIR"] = stateFolder;
        start.Environment["LBDEPLOY_HOME"] = CliRun.RepositoryRoot;
        return await LoggedProcess.RunAsync(start, $"LBDEPLOY_STATE_DIR={stateFolder} {string.Join(' ', prefix)} lbdeploy {string.Join(' ', args)}", log);
    }
}
