using Lb.Core.Maglev;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Control;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// How each kind of unit is put on the running network and taken off it. Every command, process, file and control
/// socket of a unit goes through the deployment's <paramref name="target"/> (the testbed's nodes through mnexec, or
/// the inventory's machines over SSH); bmv2 switches are reached on their thrift port (localhost). Files are the
/// applied plan's: written below <see cref="DeployPaths.PlanDirectory"/>, read by a node where the target put them.
/// </summary>
public sealed class UnitOperations(IDeployTarget target, RunnerEnvironment environment)
{
    /// <summary>The testbed's way, as before targets existed (tests and callers that hold a shell).</summary>
    public UnitOperations(INodeShell shell, RunnerEnvironment environment) : this(new TestbedTarget(shell, null, environment), environment)
    {
    }

    private INodeShell shell => target.Shell;

    public static readonly TimeSpan EngineStartTimeout = TimeSpan.FromSeconds(45);
    public static readonly TimeSpan ServerStartTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan RouterStartTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan StartPollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan EngineHealthTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private DeployPaths Paths => environment.Paths;

    /// <summary>The applied plan's copy here: whether a file was applied at all.</summary>
    private string LocalPathOf(string planFile) => Path.Combine(Paths.PlanDirectory, planFile);

    /// <summary>Where the unit's node reads a plan file.</summary>
    private string PathOf(string node, string planFile) => target.PlanFile(node, planFile);

    /// <summary>Installs a switch's rules: the linux script inside the switch node, or the bmv2 commands.</summary>
    public async Task<AppliedUnit> InstallSwitchAsync(DeployUnit unit, CancellationToken ct)
    {
        if (unit.ThriftPort is { } port)
        {
            await Bmv2CliAsync(unit.Host, port, await File.ReadAllTextAsync(LocalPathOf(unit.Files[0]), ct), ct);
        }
        else
        {
            await shell.RunCheckedAsync(unit.Host, $"sh {HostShell.Quote(PathOf(unit.Host, unit.Files[0]))}", cancellationToken: ct);
        }
        return Record(unit);
    }

    /// <summary>Removes what <see cref="InstallSwitchAsync"/> installed, with the tear-down of the applied plan.</summary>
    public async Task RemoveSwitchAsync(AppliedUnit unit, CancellationToken ct)
    {
        if (unit.ThriftPort is { } port)
        {
            await Bmv2CliAsync(unit.Host, port, "reset_state\n", ct);
        }
        else if (unit.Files.Count > 1 && File.Exists(LocalPathOf(unit.Files[1])))
        {
            await shell.RunCheckedAsync(unit.Host, $"sh {HostShell.Quote(PathOf(unit.Host, unit.Files[1]))}", cancellationToken: ct);
        }
    }

    public async Task<AppliedUnit> InstallVipAsync(DeployUnit unit, CancellationToken ct)
    {
        await shell.RunCheckedAsync(unit.Host, $"sh {HostShell.Quote(PathOf(unit.Host, unit.Files[0]))}", cancellationToken: ct);
        return Record(unit);
    }

    public async Task RemoveVipAsync(AppliedUnit unit, CancellationToken ct)
    {
        if (unit.Files.Count > 1 && File.Exists(LocalPathOf(unit.Files[1])))
        {
            await shell.RunCheckedAsync(unit.Host, $"sh {HostShell.Quote(PathOf(unit.Host, unit.Files[1]))}", cancellationToken: ct);
        }
    }

    /// <summary>Starts the server as a daemon in the DIP and waits until it listens on the plan's server port of the VIP.</summary>
    public async Task<AppliedUnit> StartServerAsync(DeployUnit unit, Ipv4Address vip, ServicePort listen, CancellationToken ct)
    {
        var log = LogFile(unit);
        var pid = await shell.StartDaemonAsync(unit.Host, unit.Command!, log, ct);
        var host = unit.Host;
        // `ss -H -l` lists listening TCP sockets (-t) or bound UDP ones (-u), local address in the 4th column.
        var socketList = listen.Protocol == TransportProtocol.Udp ? "ss -Hlun" : "ss -Hltn";
        var endpoint = $"{vip}:{listen.Port}";
        var listening = await Wait.UntilAsync(async token =>
        {
            if (!await target.IsAliveAsync(host, pid, token))
            {
                throw new RunnerException($"the server on {unit.Host} exited at start (`{unit.Command}`); log {log}:{Environment.NewLine}{await target.TailAsync(host, log, token)}");
            }
            var sockets = await shell.RunAsync(unit.Host, socketList, cancellationToken: token);
            return sockets.StandardOutput.Split('\n').Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, _, var local, ..] && local == endpoint);
        }, ServerStartTimeout, StartPollInterval, environment.Time, ct);
        if (!listening)
        {
            throw new RunnerException($"the server on {unit.Host} did not listen on {endpoint}/{listen.Protocol.Name()} within {ServerStartTimeout.TotalSeconds:0} s; log {log}:{Environment.NewLine}{await target.TailAsync(host, log, ct)}");
        }
        return Record(unit) with { Pid = pid, ProcessFingerprint = await target.FingerprintAsync(host, pid, ct), LogFile = log };
    }

    /// <summary>Starts an engine as a daemon in its host and waits until it answers on its control socket.</summary>
    public async Task<AppliedUnit> StartEngineAsync(DeployUnit unit, CancellationToken ct)
    {
        var host = unit.Host;
        var config = PathOf(host, unit.Files[0]);
        var socket = ControlSocketOf(unit);
        var role = unit.Kind == UnitKind.Mux ? "mux" : "agent";
        var log = LogFile(unit);
        await target.PrepareEngineAsync(unit, socket, ct);
        var pid = await shell.StartDaemonAsync(host, target.EngineCommandLine(host, role, config), log, ct);
        Directory.CreateDirectory(Paths.PidDirectory);
        await File.WriteAllTextAsync(Path.Combine(Paths.PidDirectory, $"{unit.Host}-{role}.pid"), pid.ToString(CultureInfo.InvariantCulture) + "\n", ct);
        var engines = target.EnginesOn(host);
        var answered = await Wait.UntilAsync(async token =>
        {
            if (!await target.IsAliveAsync(host, pid, token))
            {
                throw new RunnerException($"the {role} on {unit.Host} exited at start; log {log}:{Environment.NewLine}{await target.TailAsync(host, log, token)}");
            }
            try
            {
                await engines.HealthAsync(socket, EngineHealthTimeout, token);
                return true;
            }
            catch (ControlException)
            {
                return false; // not listening yet (or no socket yet); the timeout ends the wait
            }
        }, EngineStartTimeout, StartPollInterval, environment.Time, ct);
        if (!answered)
        {
            await target.TerminateAsync(host, [pid], TimeSpan.FromSeconds(2), ct);
            throw new RunnerException($"the {role} on {unit.Host} did not answer on {socket} within {EngineStartTimeout.TotalSeconds:0} s; log {log}:{Environment.NewLine}{await target.TailAsync(host, log, ct)}");
        }
        return Record(unit) with { Pid = pid, ProcessFingerprint = await target.FingerprintAsync(host, pid, ct), LogFile = log, ControlSocket = socket, ConfigFile = config };
    }

    /// <summary>
    /// A mux about to start gets the newest pool history among its own and its peers' (the plan names them): a new
    /// mux, one whose runtime folder was removed, or one that was out of the plan while the pool changed would
    /// otherwise not know the earlier owners of the flows the fabric moves onto it. The engine reads the file at start
    /// and drops what does not fit its table or has expired.
    /// </summary>
    internal static void SeedPoolHistory(DeployUnit unit, string socket)
    {
        if (unit.PoolHistorySources.IsEmpty) return;
        var own = PoolHistoryFile.PathFor(socket);
        var newest = unit.PoolHistorySources.Append(own).Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        if (newest is null || newest == own) return;
        var temporary = own + ".seed";
        File.Copy(newest, temporary, overwrite: true);
        File.Move(temporary, own, overwrite: true);
    }

    /// <summary>
    /// The deployment is being destroyed: a stopped mux's pool history (and any half-written copy) goes with it. Not on
    /// a restart within a deployment, where the history is what lets the mux come back knowing the earlier owners.
    /// </summary>
    internal static void ForgetPoolHistory(AppliedUnit unit)
    {
        if (unit.Kind != UnitKind.Mux || unit.ControlSocket is not { } socket) return;
        var history = PoolHistoryFile.PathFor(socket);
        foreach (var file in new[] { history, history + ".tmp", history + ".seed" })
            if (File.Exists(file)) File.Delete(file);
    }

    /// <summary>The engine's config file was rewritten: tell it to re-read it (no restart, flows survive).</summary>
    public async Task<AppliedUnit> ReloadEngineAsync(DeployUnit unit, AppliedUnit running, CancellationToken ct)
    {
        var socket = ControlSocketOf(unit);
        if (socket != running.ControlSocket)
        {
            await StopAsync(running, ct);
            return await StartEngineAsync(unit, ct);
        }
        try
        {
            await target.EnginesOn(unit.Host).ReloadAsync(socket, ct);
        }
        catch (ControlException e)
        {
            throw new RunnerException($"{unit.Label}: reload failed ({e.Message}); log {running.LogFile}:{Environment.NewLine}{await target.TailAsync(unit.Host, running.LogFile, ct)}");
        }
        return running with { Hash = unit.Hash, Files = [.. unit.Files], StartKey = unit.StartKey };
    }

    /// <summary>
    /// Starts a node's FRR (frr target): zebra first (the others connect to it), then bgpd and bfdd, each a daemon
    /// in the node with its sockets in the plan's runtime folder; once every one answers, loads the plan's config.
    /// </summary>
    public async Task<AppliedUnit> StartRouterAsync(DeployUnit unit, CancellationToken ct)
    {
        var router = RouterOf(unit);
        var folder = router.RuntimeDirectory;
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); // stale sockets of a killed instance
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(FrrCommands.VtyshConfig(folder), "", ct);
        var daemons = new List<AppliedDaemon>();
        try
        {
            // In the plan's order, zebra first: one at a time, so a failure knows every pid to stop.
            foreach (var name in router.Daemons) daemons.Add(await StartFrrDaemonAsync(unit.Host, name, folder, ct));
            var load = await shell.RunAsync(unit.Host, FrrCommands.Load(folder, PathOf(unit.Host, unit.Files[0])), TimeSpan.FromSeconds(30), ct);
            if (!load.Succeeded)
            {
                throw new RunnerException($"{unit.Label}: FRR refused {unit.Files[0]}: {TerminalText.Escape(FirstLines(load.StandardOutput + load.StandardError), 300)}; log {daemons[0].LogFile}");
            }
            // A mux host's gate last: bgpd has the config whose import-check turns the gate's route into the announcement.
            if (GateCommandLine(unit.Host, router) is { } gate) daemons.Add(await StartGateAsync(unit.Host, gate, ct));
        }
        catch
        {
            await environment.Processes.TerminateAsync([.. daemons.Select(d => d.Pid)], StopGrace, environment.Time);
            // A gate that started may have announced before the failure: nothing recorded would take that back later.
            // Best effort: the start's own error is the one to report.
            if (router.Announces is { } prefix) await WithdrawAsync(unit.Host, prefix.ToString(), ct, bestEffort: true);
            throw;
        }
        return Record(unit) with { Daemons = daemons, RuntimeDirectory = folder, Announces = router.Announces?.ToString(), ConfigFile = PathOf(unit.Host, unit.Files[0]) };
    }

    /// <summary>A changed config reaches running daemons through frr-reload.py (only the difference); daemons started differently restart.</summary>
    public async Task<AppliedUnit> ReloadRouterAsync(DeployUnit unit, AppliedUnit running, CancellationToken ct)
    {
        var router = RouterOf(unit);
        var commandLines = router.Daemons.Select(d => FrrCommands.Daemon(d, router.RuntimeDirectory))
            .Concat(GateCommandLine(unit.Host, router) is { } gate ? [gate] : []);
        if (!running.Daemons.Select(d => d.CommandLine).SequenceEqual(commandLines) || running.RuntimeDirectory != router.RuntimeDirectory)
        {
            await StopRouterAsync(running, ct);
            return await StartRouterAsync(unit, ct);
        }
        var reload = await shell.RunAsync(unit.Host, FrrCommands.Reload(router.RuntimeDirectory, PathOf(unit.Host, unit.Files[0])), TimeSpan.FromSeconds(60), ct);
        if (!reload.Succeeded)
        {
            throw new RunnerException($"{unit.Label}: frr-reload.py failed on {unit.Files[0]}: {TerminalText.Escape(LastLines(reload.StandardOutput + reload.StandardError), 300)}");
        }
        return running with { Hash = unit.Hash, Files = [.. unit.Files], Announces = router.Announces?.ToString() };
    }

    /// <summary>
    /// Stops a node's FRR (zebra takes its routes out of the kernel as it exits) and, on a mux host, removes the
    /// route that gated its announcement; then its runtime folder.
    /// </summary>
    public async Task StopRouterAsync(AppliedUnit unit, CancellationToken ct)
    {
        await StopAsync(unit, ct);
        if (unit.Announces is { } prefix) await WithdrawAsync(unit.Host, prefix, ct);
        if (unit.RuntimeDirectory is { } folder && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private async Task<AppliedDaemon> StartFrrDaemonAsync(string node, string name, string folder, CancellationToken ct)
    {
        Directory.CreateDirectory(Paths.LogDirectory);
        var log = Path.Combine(Paths.LogDirectory, $"{node}-{name}.log");
        var commandLine = FrrCommands.Daemon(name, folder);
        var pid = await shell.StartDaemonAsync(node, commandLine, log, ct);
        var socket = FrrCommands.VtySocket(folder, name);
        var ready = await Wait.UntilAsync(() =>
        {
            if (!environment.Processes.IsAlive(pid))
            {
                throw new RunnerException($"{name} on {node} exited at start; log {log}:{Environment.NewLine}{Tail(log)}");
            }
            return File.Exists(socket) && (name != "zebra" || File.Exists(FrrCommands.ZebraSocket(folder)));
        }, RouterStartTimeout, StartPollInterval, environment.Time, ct);
        if (!ready)
        {
            await environment.Processes.TerminateAsync([pid], TimeSpan.FromSeconds(2), environment.Time);
            throw new RunnerException($"{name} on {node} did not open {socket} within {RouterStartTimeout.TotalSeconds:0} s; log {log}:{Environment.NewLine}{Tail(log)}");
        }
        return new AppliedDaemon(name, pid, Fingerprint(pid), log, commandLine);
    }

    /// <summary>
    /// Deletes the blackhole route that makes a mux host announce <paramref name="prefix"/> (announce.sh off); a failure
    /// throws unless <paramref name="bestEffort"/>.
    /// </summary>
    private async Task WithdrawAsync(string node, string prefix, CancellationToken ct, bool bestEffort = false)
    {
        var announce = await target.ScriptAsync(node, "runner/announce.sh", ct);
        var command = $"sh {ShellQuoting.Quote(announce)} off {ShellQuoting.Quote(prefix)}";
        if (bestEffort) await shell.RunAsync(node, command, cancellationToken: ct);
        else await shell.RunCheckedAsync(node, command, cancellationToken: ct);
    }

    private string? GateCommandLine(string node, PlannedRouter router) =>
        router.GateArguments is { } arguments ? target.LbengineCommandLine(node, arguments) : null;

    /// <summary>How long a gate may take to say it is ready (a .NET start on a loaded machine).</summary>
    public static readonly TimeSpan GateStartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Starts a mux host's announcement gate (`lbengine gate`) and waits for its ready line.</summary>
    private async Task<AppliedDaemon> StartGateAsync(string node, string commandLine, CancellationToken ct)
    {
        var log = target.LogFile(node, $"{node}-gate");
        var pid = await shell.StartDaemonAsync(node, commandLine, log, ct);
        var ready = await Wait.UntilAsync(async token =>
        {
            if (!await target.IsAliveAsync(node, pid, token))
            {
                throw new RunnerException($"the announcement gate on {node} exited at start (`{commandLine}`); log {log}:{Environment.NewLine}{await target.TailAsync(node, log, token)}");
            }
            // The log is appended to across restarts: this process's own ready line.
            return (await target.TailAsync(node, log, token)).Contains($" gate {node} info: ready: pid {pid},", StringComparison.Ordinal);
        }, GateStartTimeout, StartPollInterval, environment.Time, ct);
        if (!ready)
        {
            await environment.Processes.TerminateAsync([pid], TimeSpan.FromSeconds(2), environment.Time);
            throw new RunnerException($"the announcement gate on {node} did not say ready within {GateStartTimeout.TotalSeconds:0} s; log {log}:{Environment.NewLine}{await target.TailAsync(node, log, ct)}");
        }
        return new AppliedDaemon("gate", pid, await target.FingerprintAsync(node, pid, ct), log, commandLine);
    }

    private static PlannedRouter RouterOf(DeployUnit unit) =>
        unit.Router ?? throw new RunnerException($"{unit.Label}: the plan gives it no FRR instance; re-run lbdeploy plan");

    private static string FirstLines(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(3));

    private static string LastLines(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));

    /// <summary>Stops a unit's processes (by their recorded pids, while they still run the recorded program) and removes its control socket.</summary>
    public Task StopAsync(AppliedUnit unit, CancellationToken ct) => StopAsync(unit, target, ct);

    /// <summary>Like <see cref="StopAsync(AppliedUnit, CancellationToken)"/> where <paramref name="where"/> reaches the unit.</summary>
    public static async Task StopAsync(AppliedUnit unit, IDeployTarget where, CancellationToken ct = default)
    {
        var pids = await where.LivePidsAsync(unit, ct);
        if (pids.Count > 0)
        {
            await where.TerminateAsync(unit.Host, pids, StopGrace, ct);
        }
        if (unit.ControlSocket is { } socket) await where.RemoveControlSocketAsync(unit.Host, socket, ct);
    }

    /// <summary>The testbed's way: processes in this machine's process table, sockets in its file system.</summary>
    public static Task StopAsync(AppliedUnit unit, RunnerEnvironment environment) =>
        StopAsync(unit, new TestbedTarget(null, null, environment));

    public static AppliedUnit Applied(DeployUnit unit) =>
        new() { Kind = unit.Kind, Host = unit.Host, Hash = unit.Hash, Files = [.. unit.Files], ThriftPort = unit.ThriftPort, StartKey = unit.StartKey };

    /// <summary>The unit as applied through this target (its transport recorded).</summary>
    private AppliedUnit Record(DeployUnit unit) => Applied(unit) with { Transport = target.Transport };

    /// <summary>Where an engine unit's engine listens: its config's control_socket.</summary>
    private static string ControlSocketOf(DeployUnit unit) =>
        unit.Engine?.ControlSocket ?? throw new RunnerException($"{unit.Label}: the plan gives it no engine config; re-run lbdeploy plan");

    public static string Tail(string? file, int lines = 12)
    {
        if (file is null || !File.Exists(file)) return "(no log)";
        var all = File.ReadAllLines(file);
        return string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)).Select(l => "  | " + l));
    }

    private string LogFile(DeployUnit unit) => target.LogFile(unit.Host, $"{unit.Host}-{unit.Kind.ToString().ToLowerInvariant()}");

    private string Fingerprint(int pid) => environment.Processes.Fingerprint(pid);

    private Task Bmv2CliAsync(string sw, int thriftPort, string commands, CancellationToken ct) =>
        new Bmv2Cli(environment.Bmv2CliProgram).RunAsync(sw, thriftPort, commands, ct);
}
