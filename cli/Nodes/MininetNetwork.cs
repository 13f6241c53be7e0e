using System.Collections.Frozen;
using Lbdeploy.Common;

namespace Lbdeploy.Nodes;

/// <summary>
/// The running mininet network (ours or p4run's), found the one way: the node shells mininet starts are
/// `bash --norc -is mininet:NAME`, so a scan of /proc/*/cmdline gives every node's name and shell pid. Nothing else
/// in lbdeploy guesses host pids.
/// </summary>
public sealed class MininetNetwork
{
    private const string Marker = "mininet:";

    private MininetNetwork(FrozenDictionary<string, int> nodes) => Nodes = nodes;

    /// <summary>Node name -> pid of its shell (the process whose namespaces the node owns).</summary>
    public FrozenDictionary<string, int> Nodes { get; }

    public bool IsEmpty => Nodes.Count == 0;

    public bool Contains(string node) => Nodes.ContainsKey(node);

    public int PidOf(string node) =>
        Nodes.TryGetValue(node, out var pid)
            ? pid
            : throw new RunnerException($"host {node} is not in the running mininet network (it has {Describe()}); start the network that lb.yaml describes (lbdeploy testbed up)");

    /// <summary>A network with known node pids (a testbed's record, an applied state's, tests).</summary>
    public static MininetNetwork FromNodes(IReadOnlyDictionary<string, int> nodes) =>
        new(nodes.ToFrozenDictionary(StringComparer.Ordinal));

    /// <summary>
    /// Scans /proc now for mininet node shells, leaving out those of lbdeploy testbeds (a node shell whose parent is a
    /// testbed launcher belongs to that launcher's state folder, never to a network found by scanning). Two shells
    /// claiming one name (two foreign networks at once) is an error.
    /// </summary>
    public static MininetNetwork Discover()
    {
        var nodes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pid in Processes.All())
        {
            if (NodeNameOf(Processes.CommandLine(pid)) is not { } name) continue;
            if (Processes.ParentOf(pid) is { } parent && IsTestbedLauncher(Processes.CommandLine(parent))) continue;
            if (nodes.TryGetValue(name, out var other) && other != pid)
            {
                throw new RunnerException($"two mininet nodes are called {name} (pids {other} and {pid}): more than one mininet network is running; stop one of them");
            }
            nodes[name] = pid;
        }
        return new MininetNetwork(nodes.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>True when <paramref name="argv"/> is an lbdeploy testbed launcher (python3 STATE/testbed/launcher.py STATE/testbed).</summary>
    public static bool IsTestbedLauncher(IReadOnlyList<string> argv) =>
        argv.Count >= 3 && Path.GetFileName(argv[0]).StartsWith("python3", StringComparison.Ordinal)
        && Path.GetFileName(argv[1]) == "launcher.py" && Path.GetFileName(Path.GetDirectoryName(argv[1])) == "testbed";

    /// <summary>The node name when <paramref name="argv"/> is a mininet node shell, else null.</summary>
    public static string? NodeNameOf(IReadOnlyList<string> argv)
    {
        if (argv.Count < 2 || !Path.GetFileName(argv[0]).Equals("bash", StringComparison.Ordinal)) return null;
        var last = argv[^1];
        return last.StartsWith(Marker, StringComparison.Ordinal) && last.Length > Marker.Length ? last[Marker.Length..] : null;
    }

    public string Describe()
    {
        if (IsEmpty) return "no nodes";
        var names = Nodes.Keys.Order(Topology.NaturalOrder.Instance).ToList();
        return names.Count <= 8 ? string.Join(", ", names) : $"{names.Count} nodes: {string.Join(", ", names.Take(8))}, ...";
    }
}
