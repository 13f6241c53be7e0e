using Lbdeploy.Common;
using System.Text.Json;
using Lbdeploy.Runner;
using Lbdeploy.Nodes;

namespace Lbdeploy.Testbed;

/// <summary>The files of a testbed's state directory (see <see cref="StateDirectories"/>).</summary>
public sealed class TestbedState(string directory)
{
    public string Directory { get; } = directory;
    public string LauncherScript => Path.Combine(Directory, "launcher.py");
    public string ModelFile => Path.Combine(Directory, "testbed.json");
    public string LauncherPidFile => Path.Combine(Directory, "launcher.pid");
    public string LogFile => Path.Combine(Directory, "launcher.log");
    public string NodesFile => Path.Combine(Directory, "nodes.json");
    public string TopologyFile => Path.Combine(Directory, "topology.json");
    public string ReadyFile => Path.Combine(Directory, "ready");
    public string ErrorFile => Path.Combine(Directory, "error");
    public string SourceFile => Path.Combine(Directory, "source");
    public string NodeNamesFile => Path.Combine(Directory, "node-names");

    public static TestbedState Default => new(StateDirectories.Testbed);

    public bool Exists => System.IO.Directory.Exists(Directory) && File.Exists(LauncherPidFile);

    public int? LauncherPid =>
        File.Exists(LauncherPidFile) && int.TryParse(File.ReadAllText(LauncherPidFile).Trim(), out var pid) ? pid : null;

    /// <summary>The launcher is alive and is our launcher.py (not a recycled pid).</summary>
    public bool IsRunning =>
        LauncherPid is { } pid && Processes.IsAlive(pid) && Processes.CommandLine(pid).Contains(LauncherScript);

    public bool IsReady => File.Exists(ReadyFile);

    /// <summary>What the launcher was asked to build (testbed.json), or null before `up` wrote it.</summary>
    public TestbedModel? Model =>
        File.Exists(ModelFile) ? System.Text.Json.JsonSerializer.Deserialize(File.ReadAllText(ModelFile), TestbedJsonContext.Default.TestbedModel) : null;

    /// <summary>The topology file the running testbed was built from (<see cref="Topology.Fabric.Source"/>).</summary>
    public string? Source => File.Exists(SourceFile) ? File.ReadAllText(SourceFile).Trim() : null;

    /// <summary>Node name -> (kind, shell pid), as the launcher recorded them; empty before it is ready.</summary>
    public IReadOnlyDictionary<string, TestbedNode> Nodes
    {
        get
        {
            if (!File.Exists(NodesFile)) return new Dictionary<string, TestbedNode>();
            var raw = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(NodesFile)) ?? [];
            return raw.ToDictionary(
                kv => kv.Key,
                kv => new TestbedNode(kv.Key, kv.Value.GetProperty("kind").GetString() ?? "host", kv.Value.GetProperty("pid").GetInt32()),
                StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// The nodes the launcher was asked to create, with their shell pids: from nodes.json once it is ready; before
    /// that (a launcher that died half-way) the mininet shells carrying one of the planned names.
    /// </summary>
    public IReadOnlyList<TestbedNode> RecordedOrPlannedNodes()
    {
        var recorded = Nodes;
        if (recorded.Count > 0 || !File.Exists(NodeNamesFile)) return [.. recorded.Values];
        // The launcher died before recording its nodes: its shells carry the planned names and are orphans now. A live
        // network's shells (another testbed's, a p4run's) are children of their live Python launcher and never match,
        // even when their names are the same.
        var planned = File.ReadAllLines(NodeNamesFile).ToHashSet(StringComparer.Ordinal);
        var found = new List<TestbedNode>();
        foreach (var pid in Processes.All())
        {
            if (MininetNetwork.NodeNameOf(Processes.CommandLine(pid)) is { } name && planned.Contains(name) && IsOrphan(pid))
                found.Add(new TestbedNode(name, "unknown", pid));
        }
        return found;
    }

    /// <summary>A node shell whose launcher is gone: its parent is init (or a subreaper), not a Python mininet launcher.</summary>
    public static bool IsOrphan(int shellPid) =>
        Processes.ParentOf(shellPid) is not { } parent || parent == 1
        || !(Processes.CommandLine(parent) is [var program, ..] && Path.GetFileName(program).StartsWith("python", StringComparison.Ordinal));

    public string LogTail(int lines = 15)
    {
        if (!File.Exists(LogFile)) return "(no log)";
        var all = File.ReadAllLines(LogFile);
        return string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)));
    }
}

/// <summary>A node the launcher created: "host" or "switch", and the pid of its mininet shell.</summary>
public sealed record TestbedNode(string Name, string Kind, int Pid)
{
    /// <summary>The shell is alive and still the mininet shell of this node.</summary>
    public bool IsAlive => Processes.IsAlive(Pid) && MininetNetwork.NodeNameOf(Processes.CommandLine(Pid)) == Name;
}
