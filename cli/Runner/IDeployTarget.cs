using Lbdeploy.Nodes;
using Lbdeploy.Planning;

namespace Lbdeploy.Runner;

/// <summary>
/// Where one deployment's units run and how the runner reaches them: <see cref="TestbedTarget"/> (the testbed's
/// nodes through mnexec, files and processes on this machine) or <see cref="MachinesTarget"/> (the inventory's
/// machines over SSH, files and processes on each machine). The plan decides which (it carries the inventory or
/// not); every unit operation goes through the one the deployment has, never around it.
/// </summary>
public interface IDeployTarget
{
    /// <summary>How commands reach the nodes (<see cref="Transports"/>): recorded with the state and every unit.</summary>
    string Transport { get; }

    /// <summary>Runs commands on the nodes and starts their daemons.</summary>
    INodeShell Shell { get; }

    /// <summary>Makes sure every one of <paramref name="nodes"/> can be reached, before anything changes (one line naming the first that cannot).</summary>
    Task ConnectAsync(IEnumerable<string> nodes, CancellationToken ct);

    /// <summary>True when <paramref name="state"/> was applied to this same network or set of machines.</summary>
    bool Matches(DeployState state);

    /// <summary><paramref name="state"/> marked as applied here (its network, transport and machines).</summary>
    DeployState Stamp(DeployState state);

    /// <summary>The process <paramref name="pid"/> on <paramref name="node"/> exists and is not a zombie.</summary>
    Task<bool> IsAliveAsync(string node, int pid, CancellationToken ct);

    /// <summary>The process's command line as one string (empty when it is gone): with the pid, it tells it from a later one.</summary>
    Task<string> FingerprintAsync(string node, int pid, CancellationToken ct);

    /// <summary>TERM, then KILL for what still runs after <paramref name="grace"/>.</summary>
    Task TerminateAsync(string node, IReadOnlyCollection<int> pids, TimeSpan grace, CancellationToken ct);

    /// <summary>The control sockets of the engines on <paramref name="node"/>.</summary>
    IEngineControl EnginesOn(string node);

    /// <summary>Where <paramref name="node"/> reads the applied plan's file <paramref name="file"/>.</summary>
    string PlanFile(string node, string file);

    /// <summary>Makes the applied plan's files (written locally first) and the programs the units run reachable from the nodes.</summary>
    Task PublishAsync(DeploymentPlan plan, CancellationToken ct);

    /// <summary>The log of what runs as <paramref name="name"/> (h1-mux) on <paramref name="node"/>.</summary>
    string LogFile(string node, string name);

    /// <summary>The last lines of a log, indented for a message.</summary>
    Task<string> TailAsync(string node, string? log, CancellationToken ct);

    /// <summary>The command line that starts an engine of <paramref name="role"/> on <paramref name="node"/>.</summary>
    string EngineCommandLine(string node, string role, string configFile);

    /// <summary>The command line that runs lbengine with <paramref name="arguments"/> (already quoted) on <paramref name="node"/>: a mux host's gate (frr target).</summary>
    string LbengineCommandLine(string node, string arguments);

    /// <summary>Before an engine starts: its control socket's folder exists (root only) and no stale socket is left.</summary>
    Task PrepareEngineAsync(DeployUnit unit, string socket, CancellationToken ct);

    /// <summary>After an engine stopped: its control socket is gone.</summary>
    Task RemoveControlSocketAsync(string node, string socket, CancellationToken ct);

    /// <summary>A script lbdeploy ships (templates/runner/NAME), where <paramref name="node"/> runs it.</summary>
    Task<string> ScriptAsync(string node, string name, CancellationToken ct);

    /// <summary>destroy, once every unit is off: what apply left on the nodes beyond the units.</summary>
    Task ClearAsync(IReadOnlyCollection<string> nodes, CancellationToken ct);
}

/// <summary>The transports a deployment records.</summary>
public static class Transports
{
    public const string Mnexec = "mnexec";
    public const string Ssh = "ssh";
}

public static class DeployTargetExtensions
{
    /// <summary>The process apply started (for a router: every daemon) is still alive and still the same program.</summary>
    public static async Task<bool> IsRunningAsync(this IDeployTarget target, AppliedUnit unit, CancellationToken ct) =>
        unit.Pid is { } pid
            ? await target.RunsAsync(unit.Host, pid, unit.ProcessFingerprint, ct)
            : unit.Daemons.Count > 0 && (await Task.WhenAll(unit.Daemons.Select(d => target.RunsAsync(unit.Host, d.Pid, d.ProcessFingerprint, ct)))).All(r => r);

    /// <summary>Every process of the unit that still runs the program apply started.</summary>
    public static async Task<IReadOnlyList<int>> LivePidsAsync(this IDeployTarget target, AppliedUnit unit, CancellationToken ct)
    {
        var candidates = unit.Pid is { } pid ? [(pid, unit.ProcessFingerprint)] : unit.Daemons.Select(d => (d.Pid, (string?)d.ProcessFingerprint)).ToList();
        var live = new List<int>();
        foreach (var (p, fingerprint) in candidates)
            if (await target.RunsAsync(unit.Host, p, fingerprint, ct)) live.Add(p);
        return live;
    }

    /// <summary>The keys of the units whose processes still run (for <see cref="ChangeSet.Compute"/>).</summary>
    public static async Task<IReadOnlySet<string>> RunningUnitsAsync(this IDeployTarget target, IEnumerable<AppliedUnit>? units, CancellationToken ct)
    {
        if (units is null) return new HashSet<string>();
        var withProcesses = units.Where(u => u.Pid is not null || u.Daemons.Count > 0).ToList();
        var running = await Task.WhenAll(withProcesses.Select(async u => (u.Key, Running: await target.IsRunningAsync(u, ct))));
        return running.Where(r => r.Running).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
    }

    public static async Task<bool> RunsAsync(this IDeployTarget target, string node, int pid, string? fingerprint, CancellationToken ct) =>
        await target.IsAliveAsync(node, pid, ct) && await target.FingerprintAsync(node, pid, ct) == fingerprint;
}
