using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Testbed;

namespace Lbdeploy.Runner;

/// <summary>One node an operator can enter: its name, "host", "switch" or "node" (kind unknown), and its shell pid.</summary>
public sealed record RunningNode(string Name, string Kind, int Pid);

/// <summary>
/// The nodes `exec`, `shell` and `debug-bundle` reach, found in this order: the testbed of this state folder (its
/// nodes.json), else the network this state folder's apply recorded (a p4run network on the bmv2 target), else the
/// one mininet network a scan finds that no lbdeploy testbed owns (a course p4run network). Operator tools only
/// enter nodes the user names (or read them): they send nothing the user did not ask for.
/// </summary>
public sealed record RunningNodes(string Source, IReadOnlyList<RunningNode> Nodes)
{
    /// <summary>How many names an unknown-node error lists.</summary>
    public const int NamesShown = 8;

    public MininetNetwork Network => MininetNetwork.FromNodes(Nodes.ToDictionary(n => n.Name, n => n.Pid, StringComparer.Ordinal));

    /// <summary>The running nodes of this state folder (see the type); a one-line error when there are none.</summary>
    public static RunningNodes Locate()
    {
        Testbed.LinuxTestbed.RequireRootAndMininet();
        var testbed = TestbedState.Default;
        if (testbed.IsRunning && testbed.IsReady)
        {
            return new($"the testbed of {StateDirectories.Root}", [.. testbed.Nodes.Values.Select(n => new RunningNode(n.Name, n.Kind, n.Pid))]);
        }
        if (DeployStateFile.Default.Load()?.LiveNetwork(ProcessTable.System) is { } applied)
        {
            return FromNetwork($"the network applied in {StateDirectories.Root}", applied);
        }
        var found = MininetNetwork.Discover();
        if (!found.IsEmpty) return FromNetwork("the running mininet (p4run) network", found);
        throw new RunnerException($"no network is running for {StateDirectories.Root}: start one with lbdeploy testbed up (or lbdeploy up), or run a p4run network");
    }

    /// <summary>A network found by pid only: kinds are unknown.</summary>
    public static RunningNodes FromNetwork(string source, MininetNetwork network) =>
        new(source, [.. network.Nodes.Select(n => new RunningNode(n.Key, "node", n.Value))]);

    /// <summary>Checks a node name from the command line: the naming rule, then that it runs here.</summary>
    public static string CheckName(string name)
    {
        if (Names.NodeProblem(name) is { } problem)
        {
            throw new LbdeployException($"node name {TerminalText.Quote(name)} is not allowed: {problem}; names are {Names.NodeRule} (e.g. h3, t1)");
        }
        return name;
    }

    /// <summary>The named node, or a one-line error listing a few valid names (the closest first when it looks like a typo).</summary>
    public RunningNode Require(string name)
    {
        CheckName(name);
        if (Nodes.FirstOrDefault(n => n.Name == name) is { } node) return node;
        var names = Nodes.Select(n => n.Name).Order(Topology.NaturalOrder.Instance).ToList();
        var closest = Suggestions.Closest(name, names);
        var shown = string.Join(", ", names.Take(NamesShown)) + (names.Count > NamesShown ? ", ..." : "");
        throw new LbdeployException($"unknown node {name}: {Source} has {names.Count} nodes ({shown}){(closest is null ? "" : $"; did you mean {closest}?")}; lbdeploy testbed status lists them");
    }
}
