using Lbdeploy.Common;

namespace Lbdeploy.Nodes;

/// <summary>
/// Runs commands on the nodes of one deployment, whatever carries them: <see cref="HostShell"/> enters a testbed
/// node with mnexec, the SSH shell (cli/Remote) reaches a real machine. Every value on a command line is quoted by
/// the caller with <see cref="ShellQuoting.Quote"/>.
/// </summary>
public interface INodeShell
{
    /// <summary>Runs <paramref name="command"/> with /bin/sh -c inside <paramref name="host"/> (a host or a switch); never throws on a non-zero exit.</summary>
    Task<ShellResult> RunAsync(string host, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Starts <paramref name="command"/> as a daemon inside <paramref name="host"/> (a host or a switch), logging to <paramref name="logFile"/>; returns its pid.</summary>
    Task<int> StartDaemonAsync(string host, string command, string logFile, CancellationToken cancellationToken = default);
}

public static class NodeShellExtensions
{
    /// <summary>The exit code a command reports when it outlived its timeout.</summary>
    public const int TimedOut = 124;

    /// <summary>
    /// Like <see cref="INodeShell.RunAsync"/> for a command that only reads (a routing table, a sysctl): one that
    /// outlived its timeout (a loaded node, a slow SSH session) runs once more before it counts.
    /// </summary>
    public static async Task<ShellResult> RunReadAsync(this INodeShell shell, string host, string command, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var result = await shell.RunAsync(host, command, timeout, cancellationToken);
        return result.ExitCode == TimedOut ? await shell.RunAsync(host, command, timeout, cancellationToken) : result;
    }

    /// <summary>Like <see cref="INodeShell.RunAsync"/> but a non-zero exit is a <see cref="RunnerException"/>.</summary>
    public static async Task<ShellResult> RunCheckedAsync(this INodeShell shell, string host, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = await shell.RunAsync(host, command, timeout, cancellationToken);
        return result.Succeeded ? result : throw new RunnerException(result.Summary());
    }
}
