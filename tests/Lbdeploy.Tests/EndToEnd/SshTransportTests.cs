using System.Globalization;
using System.Collections.Frozen;
using System.Diagnostics;
using Lbdeploy.Nodes;
using Lbdeploy.Remote;
using Lbdeploy.Runner;
using Lbdeploy.Testbed;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// The SSH transport against real sshds: a testbed's nodes stand in for machines (<see cref="SshStandIn"/>), reached
/// only through ssh inside the test's management namespace. Commands run on every machine at once, the engine's
/// single file is shipped once, a supervised program outlives its SSH session and stops for good, and each SSH
/// failure (sshd down, key refused, host key changed) is one line naming the machine and the fix while the other
/// machines keep working.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class SshTransportTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task Every_machine_is_reached_over_ssh_and_each_failure_names_its_machine_and_fix()
    {
        if (!File.Exists("/usr/sbin/sshd")) Assert.Fail("needs openssh-server (/usr/sbin/sshd): run tools/bootstrap.sh --with-test-tools");
        var spec = CliRun.DeriveSpec(Path.Combine(CliRun.RepositoryRoot, "examples", "leafspine.yaml"), ("target: bmv2", "target: linux"));
        var state = Path.Combine(Path.GetTempPath(), $"lbd-ssh-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            var up = await RunAsync(state, "testbed", "up", "-f", spec);
            Assert.True(up.ExitCode == 0, up.Output);
            var network = TestbedNetwork.Running(new TestbedState(Path.Combine(state, "testbed")));
            var names = network.Nodes.Keys.Order(Lbdeploy.Topology.NaturalOrder.Instance).ToList();
            await using var standIn = await SshStandIn.StartAsync(network, names);
            var shell = standIn.Shell(standIn.ReadInventory());

            // Every machine at once, each answering with its own fabric-facing interfaces.
            var answers = await Task.WhenAll(names.Select(node => shell.RunCheckedAsync(node, "cat /proc/sys/kernel/hostname >/dev/null; ip -o link show | cut -d: -f2")));
            for (var i = 0; i < names.Count; i++) Assert.Contains($"{names[i]}-eth", answers[i].StandardOutput);

            // The engine's single file goes over once; a second apply would send nothing.
            var engine = EngineBinary.SingleFile;
            var remoteEngine = new RemoteEngine(shell);
            Assert.True(await remoteEngine.ShipAsync("h1", engine));
            Assert.False(await remoteEngine.ShipAsync("h1", engine));
            var version = await shell.RunCheckedAsync("h1", $"{standIn.RootOf("h1")}/bin/lbengine --help");
            Assert.Contains("lbengine", version.StandardOutput);

            // A supervised program outlives its SSH session, then stops for good.
            var supervisor = new RemoteSupervisor(shell);
            var processes = new RemoteProcesses(shell);
            var pid = await supervisor.StartAsync("h2", "h2-server", "sleep 300");
            Assert.True(await processes.IsAliveAsync("h2", pid));
            await supervisor.StopAsync("h2", pid, TimeSpan.FromSeconds(2));
            Assert.False(await processes.IsAliveAsync("h2", pid));

            // sshd down on h3: one line for h3; h4 still answers.
            await standIn.StopSshdAsync("h3");
            var down = await Assert.ThrowsAsync<SshException>(() => shell.RunAsync("h3", "true"));
            Assert.Equal($"h3 (root@{standIn.AddressOf("h3")}:22): no SSH server answers on port 22 (Connection refused); start sshd on the machine, or fix ansible_host / ansible_port in the inventory", down.Message);
            Assert.True((await shell.RunAsync("h4", "true")).Succeeded);

            // h5's host key changed (known_hosts holds another key for its address).
            var otherKey = Path.Combine(standIn.Directory, "other-hostkey");
            await Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey])!.WaitForExitAsync();
            var lines = File.ReadAllLines(standIn.KnownHosts).Select(line => line.StartsWith(standIn.AddressOf("h5") + " ", StringComparison.Ordinal)
                ? standIn.AddressOf("h5") + " " + string.Join(' ', File.ReadAllText(otherKey + ".pub").Split(' ').Take(2)) : line);
            File.WriteAllLines(standIn.KnownHosts, lines);
            await standIn.EndMasterAsync("h5");
            var changed = await Assert.ThrowsAsync<SshException>(() => shell.RunAsync("h5", "true"));
            Assert.StartsWith($"h5 (root@{standIn.AddressOf("h5")}:22): its host key changed since it was recorded in {standIn.KnownHosts}", changed.Message);

            // A key h6 does not accept.
            var stranger = standIn.ReadInventory();
            var refusedKey = Path.Combine(standIn.Directory, "stranger");
            await Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", refusedKey])!.WaitForExitAsync();
            var strangerShell = new SshShell(stranger with { Hosts = stranger.Hosts.ToDictionary(h => h.Key, h => h.Value with { KeyFile = refusedKey }).ToFrozenDictionary() },
                new SshSettings(standIn.SshProgram, Path.Combine(standIn.Directory, "control-stranger"), 2));
            var refused = await Assert.ThrowsAsync<SshException>(() => strangerShell.RunAsync("h6", "true"));
            Assert.Equal($"h6 (root@{standIn.AddressOf("h6")}:22): the machine refused the key (root@{standIn.AddressOf("h6")}: Permission denied (publickey).); add {refusedKey}.pub to ~root/.ssh/authorized_keys there, or fix ansible_user / ansible_ssh_private_key_file in the inventory", refused.Message);

            // The machines that did not fail still answer.
            Assert.True((await shell.RunAsync("h1", "true")).Succeeded);
        }
        finally
        {
            if (Directory.Exists(state))
            {
                await RunAsync(state, "testbed", "down");
                Directory.Delete(state, recursive: true);
            }
        }
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string stateFolder, params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "lbdeploy.dll");
        var start = new ProcessStartInfo("dotnet");
        foreach (var arg in new[] { "exec", cli }.Concat(args)) start.ArgumentList.Add(arg);
        start.Environment["LBDEPLOY_STATE_DIR"] = stateFolder;
        start.Environment["LBDEPLOY_HOME"] = CliRun.RepositoryRoot;
        return await LoggedProcess.RunAsync(start, $"LBDEPLOY_STATE_DIR={stateFolder} lbdeploy {string.Join(' ', args)}", log);
    }
}
