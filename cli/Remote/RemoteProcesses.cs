using System.Globalization;
using Lbdeploy.Common;
using Lbdeploy.Nodes;

namespace Lbdeploy.Remote;

/// <summary>
/// Processes on a machine, by exact pid only, read over SSH the way <c>Nodes.Processes</c> reads the local /proc:
/// alive means present and not a zombie; the command line tells a process from a later one that got its pid.
/// </summary>
public sealed class RemoteProcesses(SshShell shell)
{
    /// <summary>The argv of <paramref name="pid"/> on <paramref name="node"/>'s machine, or empty when it is gone (or a zombie).</summary>
    public async Task<IReadOnlyList<string>> CommandLineAsync(string node, int pid, CancellationToken cancellationToken = default)
    {
        var result = await shell.RunCheckedAsync(node, CommandLineCommand(pid), cancellationToken: cancellationToken);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public async Task<bool> IsAliveAsync(string node, int pid, CancellationToken cancellationToken = default) =>
        (await CommandLineAsync(node, pid, cancellationToken)).Count > 0;

    /// <summary>
    /// The process's state letter follows the last ')' of /proc/PID/stat (a command name may hold ") "); its argv,
    /// one per line, unless it is a zombie.
    /// </summary>
    public static string CommandLineCommand(int pid)
    {
        var proc = "/proc/" + Number(pid);
        return $"stat=$(cat {proc}/stat 2>/dev/null) || exit 0; state=${{stat##*) }}; case $state in Z*) exit 0;; esac; tr '\\0' '\\n' < {proc}/cmdline 2>/dev/null; exit 0";
    }

    private static string Number(int value) => value > 0 ? value.ToString(CultureInfo.InvariantCulture) : throw new RunnerException($"refusing to act on process {value}: not a process id");
}
