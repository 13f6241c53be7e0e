using System.Diagnostics;
using System.Globalization;
using Lbdeploy.Runner;
using Lbdeploy.Testbed;
using Xunit.Abstractions;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Two state folders are two deployments: the same spec (same node names, same addresses) brought up twice side by
/// side, each verified on its own network; a state folder with nothing applied refuses to verify and sends nothing
/// into the other's network; taking one down leaves the other serving. Runs the real executable, one process per
/// command, with LBDEPLOY_STATE_DIR set as a user would.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class TwoStateFoldersTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task Two_state_folders_run_two_testbeds_side_by_side_without_touching_each_other()
    {
        var spec = CliRun.DeriveSpec(Path.Combine(CliRun.RepositoryRoot, "examples", "leafspine.yaml"), ("target: bmv2", "target: linux"));
        var id = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var first = Path.Combine(Path.GetTempPath(), $"lbd-a-{id}");
        var second = Path.Combine(Path.GetTempPath(), $"lbd-b-{id}");
        var empty = Path.Combine(Path.GetTempPath(), $"lbd-c-{id}");
        try
        {
            var upFirst = await RunAsync(first, "up", "-f", spec);
            Assert.True(upFirst.ExitCode == 0, upFirst.Output);
            var upSecond = await RunAsync(second, "up", "-f", spec);
            Assert.True(upSecond.ExitCode == 0, upSecond.Output);
            Assert.DoesNotContain("FAIL", upFirst.Output + upSecond.Output);

            // Two networks with the same node names, found by each folder's own record.
            var firstNodes = new TestbedState(Path.Combine(first, "testbed")).Nodes;
            var secondNodes = new TestbedState(Path.Combine(second, "testbed")).Nodes;
            Assert.Equal(firstNodes.Keys.Order(), secondNodes.Keys.Order());
            Assert.Empty(firstNodes.Values.Select(n => n.Pid).Intersect(secondNodes.Values.Select(n => n.Pid)));
            Assert.NotEqual(Processes.NetworkNamespace(firstNodes["h7"].Pid), Processes.NetworkNamespace(secondNodes["h7"].Pid));

            // A folder with nothing applied refuses, and not one packet leaves any client of the running networks.
            var before = await TransmittedAsync(firstNodes, secondNodes);
            var refused = await RunAsync(empty, "verify", "-f", spec);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"nothing is applied in {empty}", refused.Output);
            Assert.Equal(before, await TransmittedAsync(firstNodes, secondNodes));

            // Down one: the other still serves and verifies.
            var downFirst = await RunAsync(first, "down");
            Assert.True(downFirst.ExitCode == 0, downFirst.Output);
            Assert.All(secondNodes.Values, n => Assert.True(n.IsAlive, $"{n.Name} of the second testbed died when the first went down"));
            var verifySecond = await RunAsync(second, "verify", "-f", spec);
            Assert.True(verifySecond.ExitCode == 0, verifySecond.Output);
        }
        finally
        {
            foreach (var folder in new[] { first, second })
            {
                if (Directory.Exists(folder)) await RunAsync(folder, "down");
            }
            foreach (var folder in new[] { first, second, empty })
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Packets sent so far by every client host of both networks (their one interface's tx counter).</summary>
    private static async Task<string> TransmittedAsync(params IReadOnlyDictionary<string, TestbedNode>[] networks)
    {
        var counts = new List<string>();
        foreach (var nodes in networks)
        {
            var shell = new HostShell(MininetNetwork.FromNodes(nodes.ToDictionary(n => n.Key, n => n.Value.Pid, StringComparer.Ordinal)));
            foreach (var client in new[] { "h7", "h8", "h10", "h11" })
            {
                var result = await shell.RunCheckedAsync(client, $"cat /sys/class/net/{client}-eth0/statistics/tx_packets");
                counts.Add($"{client}={result.StandardOutput.Trim()}");
            }
        }
        return string.Join(' ', counts);
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
