using Lb.Core.Config;
using Lbdeploy.Runner;
using Lbdeploy.Testbed;
using Lbdeploy.Topology;
using Lbdeploy.Tests.Runner;
using Xunit.Abstractions;
using Lbdeploy.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>`testbed up` builds the course fat tree exactly as p4-utils addresses it; `down` leaves nothing behind.</summary>
[Collection(MininetCollection.Name)]
public sealed class TestbedTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task Up_builds_the_fat_tree_with_p4utils_addressing_and_down_removes_everything()
    {
        var fabric = FixtureFabric.FatTree();
        var state = new TestbedState(Path.Combine(Path.GetTempPath(), $"lbdeploy-test-{Environment.ProcessId}", "testbed"));
        var output = new StringWriter();
        var testbed = new LinuxTestbed(state, output);
        var stateSurvived = false;
        IReadOnlyDictionary<string, TestbedNode> nodes;
        try
        {
            nodes = await testbed.UpAsync(fabric);
            Assert.Equal(fabric.Hosts.Length + fabric.Switches.Length, nodes.Count);

            var shell = new HostShell(TestbedNetwork.Running(state));
            var checks = new List<Task<string?>>();
            foreach (var host in fabric.Hosts)
            {
                checks.Add(CheckHostAsync(shell, host));
            }
            foreach (var sw in fabric.Switches)
            {
                checks.Add(CheckSwitchAsync(shell, fabric, sw));
            }
            var problems = (await Task.WhenAll(checks)).OfType<string>().ToList();
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));

            // Unshaped by default: the fixture's bw 1 is not applied, and the testbed says so.
            Assert.Contains("testbed: link options NOT applied (bw on 48 links): links run unshaped; start with --shape to apply them", output.ToString());
            var qdisc = await shell.RunCheckedAsync("h1", "tc qdisc show dev h1-eth0");
            Assert.DoesNotContain("htb", qdisc.StandardOutput);

            // The topology.json written next to the state reads back as the same fabric.
            var again = FixtureFabric.FromTopologyJson(state.TopologyFile);
            Assert.Equal(fabric.Hosts.ToList(), again.Hosts.ToList());
            Assert.Equal(fabric.Links.Select(l => (l.A, l.B)).ToList(), again.Links.Select(l => (l.A, l.B)).ToList());

            // ...and so does the product's importer (p4run's format, Linux-router switches).
            var imported = FabricLoader.Load(state.TopologyFile);
            Assert.Equal(fabric.Hosts.ToList(), imported.Hosts.ToList());
            Assert.Equal(fabric.Switches.ToList(), imported.Switches.ToList());
            Assert.Equal(
                fabric.Links.Select(l => (l.A, l.B)).OrderBy(l => l.A.Name, StringComparer.Ordinal).ToList(),
                imported.Links.Select(l => (l.A, l.B)).OrderBy(l => l.A.Name, StringComparer.Ordinal).ToList());

            // An engine that dies at start is reported with the tail of its own log.
            var stateDir = Directory.CreateTempSubdirectory("lbdeploy-engine-").FullName;
            var paths = new DeployPaths(stateDir);
            Directory.CreateDirectory(Path.Combine(paths.PlanDirectory, "engines"));
            await File.WriteAllTextAsync(Path.Combine(paths.PlanDirectory, "engines", "h1-mux.json"),
                $"{{\"version\": 1, \"role\": \"mux\", \"bogus_key\": 1, \"control_socket\": \"{stateDir}/h1.sock\"}}");
            var ops = new UnitOperations(shell, RunnerEnvironment.Default with { State = new DeployStateFile(paths, TimeProvider.System) });
            var died = await Assert.ThrowsAsync<RunnerException>(() =>
                ops.StartEngineAsync(new DeployUnit(UnitKind.Mux, "h1", "x", ["engines/h1-mux.json"], null, null)
                {
                    Engine = EngineConfigExample.Mux with { ControlSocket = $"{stateDir}/h1.sock" },
                }, default));
            Assert.Contains("the mux on h1 exited at start", died.Message);
            Assert.Contains("bogus_key", died.Message);
            Directory.Delete(stateDir, recursive: true);

            var status = testbed.Status();
            Assert.True(status.LauncherAlive);
            Assert.All(status.Nodes, n => Assert.True(n.Alive, n.Node.Name));
        }
        finally
        {
            await testbed.DownAsync();
            log.WriteLine(output.ToString());
            stateSurvived = Directory.Exists(state.Directory);
            if (Directory.Exists(Path.GetDirectoryName(state.Directory))) Directory.Delete(Path.GetDirectoryName(state.Directory)!, recursive: true);
        }

        Assert.True(MininetNetwork.Discover().IsEmpty, "mininet node shells survived down");
        Assert.All(nodes.Values, n => Assert.False(Processes.IsAlive(n.Pid), $"{n.Name} (pid {n.Pid}) survived down"));
        var leftovers = fabric.Links.SelectMany(l => new[] { l.A.Name, l.B.Name })
            .Where(name => Directory.Exists(Path.Combine("/sys/class/net", name))).ToList();
        Assert.Empty(leftovers);
        Assert.False(stateSurvived, "down left the testbed state directory behind");
    }

    [RootFact]
    public async Task Up_with_shaping_limits_links_and_refuses_a_second_testbed_while_one_runs()
    {
        var fabric = FixtureFabric.FatTree();
        var state = new TestbedState(Path.Combine(Path.GetTempPath(), $"lbdeploy-test2-{Environment.ProcessId}", "testbed"));
        var output = new StringWriter();
        var testbed = new LinuxTestbed(state, output);
        try
        {
            await testbed.UpAsync(fabric, shapeLinks: true);
            Assert.Contains("testbed: link options applied with tc (bw on 48 links)", output.ToString());
            // Shaped: the fixture's bw 1 (Mbit/s) became a tc rate limit on both ends of a link.
            var tc = await new HostShell(TestbedNetwork.Running(state)).RunCheckedAsync("h1", "tc qdisc show dev h1-eth0; tc class show dev h1-eth0");
            Assert.Contains("rate 1Mbit", tc.StandardOutput);
            var error = await Assert.ThrowsAsync<RunnerException>(() => testbed.UpAsync(fabric));
            Assert.Contains("lbdeploy testbed down", error.Message);
        }
        finally
        {
            await testbed.DownAsync();
            if (Directory.Exists(Path.GetDirectoryName(state.Directory))) Directory.Delete(Path.GetDirectoryName(state.Directory)!, recursive: true);
        }
        Assert.True(MininetNetwork.Discover().IsEmpty);
    }

    private static async Task<string?> CheckHostAsync(HostShell shell, FabricHost host)
    {
        var r = await shell.RunCheckedAsync(host.Name,
            $"ethtool -k {host.Interface} | grep -cE '^(rx-checksumming|tx-checksumming|scatter-gather|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): off'; " +
            $"ip -o -4 addr show dev {host.Interface}; cat /sys/class/net/{host.Interface}/address; ip route show default; ls /sys/class/net");
        var text = r.StandardOutput;
        var expected = new[] { $"inet {host.Address} ", host.Mac.ToString(), $"default via {host.Gateway} dev {host.Interface}" };
        var missing = expected.Where(e => !text.Contains(e, StringComparison.Ordinal)).ToList();
        if (!text.StartsWith("6\n", StringComparison.Ordinal)) missing.Add("offloads off (ethtool -k: rx/tx checksumming, sg, tso, gso, gro)");
        var interfaces = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).TakeLast(2).Order().ToList();
        if (!interfaces.SequenceEqual(new[] { host.Interface, "lo" }.Order())) missing.Add($"interfaces {string.Join(",", interfaces)}");
        return missing.Count == 0 ? null : $"{host.Name}: missing {string.Join("; ", missing)} in:\n{text}";
    }

    private static async Task<string?> CheckSwitchAsync(HostShell shell, Fabric fabric, FabricSwitch sw)
    {
        var r = await shell.RunCheckedAsync(sw.Name,
            "ip -o -4 addr show; for i in /sys/class/net/*-eth*; do echo \"$(basename $i) $(cat $i/address)\"; done; " +
            "sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.rp_filter");
        var text = r.StandardOutput;
        var missing = new List<string>();
        foreach (var end in fabric.LinksOf(sw.Name).Select(l => l.End(sw.Name)))
        {
            if (end.Address is { } address && !text.Contains($"{end.Name}    inet {address} ", StringComparison.Ordinal)) missing.Add($"{end.Name} {address}");
            if (!text.Contains($"{end.Name} {end.Mac}", StringComparison.Ordinal)) missing.Add($"{end.Name} mac {end.Mac}");
        }
        // The multipath hash is not the testbed's: each switch's plan script sets it (KernelMultipath).
        if (!text.TrimEnd().EndsWith("1\n2", StringComparison.Ordinal)) missing.Add("sysctls forward=1 rp_filter=2");
        return missing.Count == 0 ? null : $"{sw.Name}: missing {string.Join("; ", missing)} in:\n{text}";
    }
}
