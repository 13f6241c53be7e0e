using System.Collections.Frozen;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;
using Lbdeploy.Remote;
using Lbdeploy.Spec;

namespace Lbdeploy.Runner;

/// <summary>
/// A deployment on the inventory's machines, reached only over SSH (<see cref="SshShell"/>): the applied plan's
/// files, the engine and the runner's scripts are shipped below each machine's lbdeploy_root (only when they
/// differ), daemons run under the machine's supervisor (systemd-run or supervise.sh), their pids, logs and control
/// sockets are the machine's own and are read there.
/// </summary>
public sealed class MachinesTarget(SshShell shell) : IDeployTarget
{
    private readonly RemoteProcesses processes = new(shell);
    private readonly RemoteEngine engine = new(shell);
    private readonly RemoteSupervisor supervisor = new(shell);

    /// <summary>The machines of <paramref name="inventory"/>, with ssh as <paramref name="environment"/> runs it and its multiplexed connections in the state folder.</summary>
    public static MachinesTarget For(Inventory inventory, RunnerEnvironment environment) =>
        new(new SshShell(inventory, SshSettings.For(environment.Paths.StateRoot) with { Program = environment.SshProgram }));

    /// <summary>The machines a state was applied to (destroy and verify need no inventory: the state names them).</summary>
    public static MachinesTarget Of(DeployState state, RunnerEnvironment environment)
    {
        var hosts = state.Machines ?? throw new RunnerException($"{environment.Paths.StateFile} records an SSH deployment without its machines; remove that file after stopping what runs on them");
        var path = state.InventoryPath ?? "the inventory of the last apply";
        return For(new Inventory(path, path, hosts.ToFrozenDictionary(h => h.Node, StringComparer.Ordinal)), environment);
    }

    public SshShell Ssh => shell;

    public string Transport => Transports.Ssh;

    public INodeShell Shell => shell;

    public Task ConnectAsync(IEnumerable<string> nodes, CancellationToken ct) => shell.ConnectAsync(nodes, ct);

    public bool Matches(DeployState state) =>
        state.Transport == Transports.Ssh && state.Machines is { } machines
        && machines.Count == shell.Inventory.Hosts.Count
        && machines.All(m => shell.Inventory.Hosts.TryGetValue(m.Node, out var host) && host == m);

    public DeployState Stamp(DeployState state) => state with
    {
        Transport = Transports.Ssh,
        Network = [],
        Machines = [.. shell.Inventory.Hosts.Values.OrderBy(h => h.Node, Topology.NaturalOrder.Instance)],
        InventoryPath = shell.Inventory.DisplayPath,
    };

    public Task<bool> IsAliveAsync(string node, int pid, CancellationToken ct) => processes.IsAliveAsync(node, pid, ct);

    public async Task<string> FingerprintAsync(string node, int pid, CancellationToken ct) =>
        string.Join(' ', await processes.CommandLineAsync(node, pid, ct));

    /// <summary>Each pid is a supervisor (or a systemd unit's main process): it goes with everything it started, or this throws.</summary>
    public async Task TerminateAsync(string node, IReadOnlyCollection<int> pids, TimeSpan grace, CancellationToken ct) =>
        await Task.WhenAll(pids.Select(pid => supervisor.StopAsync(node, pid, grace, ct)));

    public IEngineControl EnginesOn(string node) => new RemoteEngineControl(engine, node);

    public string PlanFile(string node, string file) => Layout(node).PlanFile(file);

    /// <summary>Each machine gets the plan's files its units use and, where an engine runs, the single-file lbengine.</summary>
    public async Task PublishAsync(DeploymentPlan plan, CancellationToken ct)
    {
        var engineNodes = plan.Muxes.Select(m => m.Host).Concat(plan.Dips.Select(d => d.Host)).Distinct(StringComparer.Ordinal).ToList();
        // Looked up before anything is copied: without a build, apply stops at once instead of after the plan's files.
        var singleFile = engineNodes.Count == 0 ? null : EngineBinary.SingleFile;
        await new RemotePlanFiles(shell).ShipAsync(plan, ct);
        if (singleFile is null) return;
        await Task.WhenAll(engineNodes.Select(node => engine.ShipAsync(node, singleFile, ct)));
    }

    public string LogFile(string node, string name) => Layout(node).LogFile(name);

    public async Task<string> TailAsync(string node, string? log, CancellationToken ct)
    {
        if (log is null) return "(no log)";
        try
        {
            var result = await shell.RunAsync(node, $"tail -n 12 {ShellQuoting.Quote(log)} 2>/dev/null", TimeSpan.FromSeconds(15), ct);
            var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 0 ? "(no log)" : string.Join(Environment.NewLine, lines.Select(l => "  | " + TerminalText.Escape(l, 300)));
        }
        catch (SshException e)
        {
            return $"(log unreadable: {e.Message})";
        }
    }

    public string EngineCommandLine(string node, string role, string configFile) => RemoteEngine.CommandLine(shell.Inventory.HostOf(node), role, configFile);

    /// <summary>Only the frr target's gates use it, and the frr target does not run on machines (plan refuses it).</summary>
    public string LbengineCommandLine(string node, string arguments) =>
        throw new RunnerException($"{node}: the frr target runs on the testbed only; set switches.target: linux for machines reached over SSH");

    public async Task PrepareEngineAsync(DeployUnit unit, string socket, CancellationToken ct)
    {
        var folder = socket[..socket.LastIndexOf('/')];
        await shell.RunCheckedAsync(unit.Host, $"mkdir -p {ShellQuoting.Quote(folder)} && chmod 700 {ShellQuoting.Quote(folder)} && rm -f {ShellQuoting.Quote(socket)}", cancellationToken: ct);
    }

    public async Task RemoveControlSocketAsync(string node, string socket, CancellationToken ct) =>
        await shell.RunCheckedAsync(node, $"rm -f {ShellQuoting.Quote(socket)}", cancellationToken: ct);

    public async Task<string> ScriptAsync(string node, string name, CancellationToken ct)
    {
        var remote = Layout(node).Bin + "/" + Path.GetFileName(name);
        await new FileShipment(shell).ShipTextAsync(node, ShippedFiles.Read(name), remote, cancellationToken: ct);
        return remote;
    }

    /// <summary>
    /// Every machine loses the applied plan, the logs, the pid files and the control sockets below its
    /// lbdeploy_root; bin/ (the shipped lbengine and scripts) stays, so the next apply copies nothing it already has.
    /// </summary>
    public async Task ClearAsync(IReadOnlyCollection<string> nodes, CancellationToken ct)
    {
        var failures = await Task.WhenAll(nodes.Distinct(StringComparer.Ordinal).Select(async node =>
        {
            var layout = Layout(node);
            var folders = string.Join(' ', new[] { layout.Bin, layout.Plan, layout.Logs, layout.Run, layout.Sockets }.Select(ShellQuoting.Quote));
            try
            {
                // The root itself only when nothing else is in it: lbdeploy owns its folders, not what a user put beside them.
                await shell.RunCheckedAsync(node, $"rm -rf {folders} && {{ rmdir {ShellQuoting.Quote(layout.Root)} 2>/dev/null || true; }}", cancellationToken: ct);
                return null;
            }
            catch (RunnerException e)
            {
                return e.Message;
            }
        }));
        var failed = failures.OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (failed.Count > 0)
            throw new RunnerException(failed.Count == 1 ? failed[0] : $"{failed[0]} (and {failed.Count - 1} more machine(s))");
    }

    private RemoteLayout Layout(string node) => RemoteLayout.Of(shell.Inventory.HostOf(node));
}
