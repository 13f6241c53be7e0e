using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Spec;

namespace Lbdeploy.Remote;

/// <summary>
/// Starts and stops long-running programs (engines, servers) on a machine so they outlive the SSH session and start
/// again when they fail: a transient systemd unit (systemd-run) where systemd runs the machine (/run/systemd/system
/// exists), else lbdeploy's supervisor script (templates/remote/supervise.sh, shipped into lbdeploy_root/bin). The
/// pid returned is the unit's main process or the supervisor's; either way a TERM to it ends the program for good.
/// </summary>
public sealed class RemoteSupervisor(SshShell shell)
{
    public const string SupervisorTemplate = "remote/supervise.sh";

    /// <summary>systemd restarts a failed unit after this long (the script starts at 1 s too, then backs off).</summary>
    public const int RestartSeconds = 1;

    /// <summary>
    /// The unit's name: lbdeploy, a short hash of the machine's root (two deployments on one machine keep apart),
    /// the node and what runs (h1-mux). Only characters systemd and the shell take as they are.
    /// </summary>
    public static string UnitName(InventoryHost host, string what) =>
        $"lbdeploy-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(host.Root)))[..8]}-{what}";

    /// <summary>Starts <paramref name="command"/> (a /bin/sh command line) as <paramref name="name"/>; returns its pid on the machine.</summary>
    public async Task<int> StartAsync(string node, string name, string command, CancellationToken cancellationToken = default)
    {
        var host = shell.Inventory.HostOf(node);
        var layout = RemoteLayout.Of(host);
        await new FileShipment(shell).ShipTextAsync(node, ShippedFiles.Read(SupervisorTemplate), layout.Supervisor, cancellationToken: cancellationToken);
        var result = await shell.RunAsync(node, StartCommand(host, name, command), cancellationToken: cancellationToken);
        if (!result.Succeeded || !int.TryParse(result.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            throw new RunnerException($"{host.Label}: could not start {name}: {TerminalText.Escape(result.Summary(), 300)}; log {layout.LogFile(name)} on that machine");
        }
        return pid;
    }

    /// <summary>
    /// Ends what <see cref="StartAsync"/> started as <paramref name="pid"/>: its systemd unit, or the supervisor's whole
    /// process group (TERM, KILL after <paramref name="grace"/>), so the program cannot outlive its supervisor. A
    /// <see cref="RunnerException"/> when something of it still runs or the machine cannot be reached.
    /// </summary>
    public async Task StopAsync(string node, int pid, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var host = shell.Inventory.HostOf(node);
        var result = await shell.RunAsync(node, StopCommand(host, pid, grace), grace + TimeSpan.FromSeconds(30), cancellationToken);
        if (!result.Succeeded)
            throw new RunnerException($"{host.Label}: could not stop process {pid}: {TerminalText.Escape(result.Summary(), 300)}; stop it on that machine, then run destroy again");
    }

    /// <summary>One shell line for the machine: systemd-run when systemd runs it, else the shipped supervisor.</summary>
    public static string StartCommand(InventoryHost host, string name, string command)
    {
        var layout = RemoteLayout.Of(host);
        var q = ShellQuoting.Quote;
        var log = layout.LogFile(name);
        return $"mkdir -p {q(layout.Logs)} {q(layout.Run)} && if [ -d /run/systemd/system ]; then "
            + $"{SystemdStop(host, name)}; {string.Join(' ', SystemdRun(host, name, command).Select(q))} >/dev/null && systemctl show -p MainPID --value {q(UnitName(host, name))}; "
            + $"else /bin/sh {q(layout.Supervisor)} start {q(layout.PidFile(name))} {q(log)} {q(command)}; fi";
    }

    /// <summary>The shipped script's stop; without the script (a root cleared by hand), a KILL to the process and its group.</summary>
    public static string StopCommand(InventoryHost host, int pid, TimeSpan grace)
    {
        var script = ShellQuoting.Quote(RemoteLayout.Of(host).Supervisor);
        var number = pid > 0 ? pid.ToString(CultureInfo.InvariantCulture) : throw new RunnerException($"refusing to stop process {pid}: not a process id");
        var seconds = ((int)Math.Ceiling(grace.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return $"if [ -r {script} ]; then /bin/sh {script} stop {number} {seconds}; else kill -KILL -{number} 2>/dev/null || kill -KILL {number} 2>/dev/null; true; fi";
    }

    /// <summary>
    /// The transient unit: restarted on failure, output appended to the log under lbdeploy_root, collected when it
    /// ends (no failed unit left behind for the next start to trip over).
    /// </summary>
    public static IReadOnlyList<string> SystemdRun(InventoryHost host, string name, string command)
    {
        var log = RemoteLayout.Of(host).LogFile(name);
        return
        [
            "systemd-run", "--quiet", "--collect",
            "--unit=" + UnitName(host, name),
            "--description=lbdeploy " + name,
            "--property=Restart=on-failure",
            "--property=RestartSec=" + RestartSeconds.ToString(CultureInfo.InvariantCulture),
            "--property=StandardOutput=append:" + log,
            "--property=StandardError=append:" + log,
            "/bin/sh", "-c", "exec " + command,
        ];
    }

    private static string SystemdStop(InventoryHost host, string name) =>
        $"systemctl stop {ShellQuoting.Quote(UnitName(host, name))} 2>/dev/null; systemctl reset-failed {ShellQuoting.Quote(UnitName(host, name))} 2>/dev/null";
}
