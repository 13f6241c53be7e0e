using Lbdeploy.Common;
using Lbdeploy.Nodes;

namespace Lbdeploy.Runner;

/// <summary>
/// What apply did, kept by an <see cref="IDeployStateStore"/> (<c>deploy/applied.json</c>, see
/// <see cref="StateDirectories"/>): the units with their hashes, the pids it started and the node pids of the network
/// it applied to (a restarted network voids it). The applied plan's files live in <c>deploy/plan/</c>: engines read
/// their configs there, and destroy runs the tear-down scripts of what was applied, not of the current spec.
/// </summary>
public sealed record DeployState
{
    public required string SpecPath { get; init; }
    public required string Target { get; init; }
    public required Dictionary<string, int> Network { get; init; }
    public required List<AppliedUnit> Units { get; init; }

    /// <summary>When it was last saved (the store stamps it): the watcher re-asserts its routes when it moves.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>What the fabric was when applied (<see cref="NetworkLocator.Fingerprint"/>): verify refuses a plan of another.</summary>
    public string? FabricFingerprint { get; init; }

    /// <summary>The mux watcher apply started, or null.</summary>
    public AppliedWatcher? Watcher { get; init; }

    /// <summary>How the runner reached the nodes (<see cref="Transports"/>); null: mnexec, the testbed (states written before machines existed).</summary>
    public string? Transport { get; init; }

    /// <summary>The machines an SSH deployment was applied to (the inventory's entries as they were): destroy reaches them without the spec.</summary>
    public List<Spec.InventoryHost>? Machines { get; init; }

    /// <summary>The inventory those machines came from, as messages name it.</summary>
    public string? InventoryPath { get; init; }

    /// <summary>True when every node this state was applied to still runs with the same shell pid.</summary>
    public bool MatchesNetwork(MininetNetwork network) =>
        Network.All(kv => network.Nodes.TryGetValue(kv.Key, out var pid) && pid == kv.Value);

    /// <summary>
    /// The network this state was applied to, when every one of its node shells still runs (same pid, still the
    /// mininet shell of that node); null when any is gone. Found by pid, never by scanning for "some" network.
    /// </summary>
    public MininetNetwork? LiveNetwork(IProcessTable processes) =>
        Network.Count > 0 && Network.All(kv => processes.IsAlive(kv.Value) && MininetNetwork.NodeNameOf(processes.CommandLine(kv.Value)) == kv.Key)
            ? MininetNetwork.FromNodes(Network)
            : null;
}

/// <summary>One applied unit: its hash and, for processes, the pid, log and (engines) control socket.</summary>
public sealed record AppliedUnit
{
    public required UnitKind Kind { get; init; }
    public required string Host { get; init; }
    public required string Hash { get; init; }
    public List<string> Files { get; init; } = [];
    public int? Pid { get; init; }
    public string? ProcessFingerprint { get; init; }
    public string? LogFile { get; init; }
    public string? ControlSocket { get; init; }
    public string? ConfigFile { get; init; }
    public int? ThriftPort { get; init; }

    /// <summary>An engine's start-only settings when applied (<see cref="DeployUnit.StartKey"/>); null for other kinds and older states.</summary>
    public string? StartKey { get; init; }

    /// <summary>How apply reached the unit's node (<see cref="Transports"/>); null on states written before it was recorded.</summary>
    public string? Transport { get; init; }

    /// <summary>A router's daemons (one process each), in start order; empty for the other kinds.</summary>
    public List<AppliedDaemon> Daemons { get; init; } = [];

    /// <summary>A router's runtime folder (pid files, vty sockets), removed with it.</summary>
    public string? RuntimeDirectory { get; init; }

    /// <summary>A mux host router's announced prefix: removing the router also removes the route that gates it.</summary>
    public string? Announces { get; init; }

    public string Key => $"{Kind.ToString().ToLowerInvariant()}:{Host}";

    public string Label => $"{Kind.ToString().ToLowerInvariant()} {Host}";

    /// <summary>The process apply started (for a router: every daemon) is still alive and still the same program (pids get reused).</summary>
    public bool IsProcessAlive(IProcessTable processes) =>
        Pid is { } pid ? processes.Runs(pid, ProcessFingerprint) : Daemons.Count > 0 && Daemons.All(d => processes.Runs(d.Pid, d.ProcessFingerprint));

    /// <summary>Every process of the unit that still runs the program apply started.</summary>
    public IEnumerable<int> LivePids(IProcessTable processes) =>
        Pid is { } pid
            ? processes.Runs(pid, ProcessFingerprint) ? [pid] : []
            : Daemons.Where(d => processes.Runs(d.Pid, d.ProcessFingerprint)).Select(d => d.Pid);
}

/// <summary>One daemon of a router unit (zebra, bgpd, bfdd; a mux host's gate), as apply started it (<see cref="CommandLine"/>: how).</summary>
public sealed record AppliedDaemon(string Name, int Pid, string ProcessFingerprint, string LogFile, string CommandLine);

/// <summary>The mux watcher daemon (`lbdeploy watch`) apply started: see <see cref="WatcherProcess"/>.</summary>
public sealed record AppliedWatcher
{
    public required int Pid { get; init; }
    public required string ProcessFingerprint { get; init; }
    public required string LogFile { get; init; }

    /// <summary>The hash of the watch config it was started with (a changed plan restarts it).</summary>
    public string? ConfigHash { get; init; }

    public bool IsAlive(IProcessTable processes) => processes.Runs(Pid, ProcessFingerprint);
}
