using System.Diagnostics;
using System.Globalization;
using Lbdeploy.Nodes;
using Lbdeploy.Testbed;

namespace Lbdeploy.Tests.Nodes;

/// <summary>
/// `testbed down` of a launcher that died before recording its nodes finds them by name: only orphaned shells, never
/// the shells of a live network (another testbed, a p4run) that happen to carry the same names.
/// </summary>
public sealed class TestbedStateTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("lbdeploy-testbed-state-").FullName;
    private readonly List<int> started = [];

    public void Dispose()
    {
        // The shells' `sleep`s first (children of the shells), so none outlives the test.
        var children = Processes.All().Where(pid => Processes.ParentOf(pid) is { } parent && started.Contains(parent)).ToList();
        foreach (var pid in children.Concat(started)) Processes.Signal(pid, Processes.SigKill);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>A process that looks like a mininet node shell called <paramref name="name"/> (bash, last argument mininet:NAME).</summary>
    private static ProcessStartInfo Shell(string name) => new("bash") { ArgumentList = { "-c", "sleep 60; :", $"mininet:{name}" } };

    private Process Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        var process = Process.Start(start)!;
        started.Add(process.Id);
        return process;
    }

    [Fact]
    public void A_dead_launchers_nodes_are_its_orphans_not_a_live_networks_shells_of_the_same_name()
    {
        File.WriteAllLines(Path.Combine(folder, "node-names"), ["h1", "h2"]);
        // A live network's h1: a child of its Python launcher, as p4run's and mininet's shells are.
        var launcher = Start(new ProcessStartInfo("python3")
        {
            ArgumentList = { "-c", "import subprocess, sys, time\np = subprocess.Popen(['bash', '-c', 'sleep 60; :', 'mininet:h1'])\nprint(p.pid, flush=True)\ntime.sleep(60)" },
        });
        var liveShell = int.Parse(launcher.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        started.Add(liveShell);
        // The dead launcher's h2: nobody's child but this test's (not a Python launcher).
        var orphan = Start(Shell("h2")).Id;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((MininetNetwork.NodeNameOf(Processes.CommandLine(orphan)) is null || MininetNetwork.NodeNameOf(Processes.CommandLine(liveShell)) is null) && DateTime.UtcNow < deadline) Thread.Sleep(20);

        var nodes = new TestbedState(folder).RecordedOrPlannedNodes();

        Assert.Equal([("h2", orphan)], nodes.Select(n => (n.Name, n.Pid)));
        Assert.False(TestbedState.IsOrphan(liveShell));
        Assert.True(TestbedState.IsOrphan(orphan));
    }
}
