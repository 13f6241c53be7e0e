using Lbdeploy.Common;

namespace Lbdeploy.Nodes;

/// <summary>
/// Runs commands inside the nodes of one mininet network (<see cref="HostShell"/> is the real one, through mnexec).
/// Every value on a command line is quoted by the caller with <see cref="ShellQuoting.Quote"/>.
/// </summary>
public interface INodeShell
{
    /// <summary>The network whose nodes the commands run in.</summary>
    MininetNetwork Network { get; }

    /// <summary>Runs <paramref name="command"/> with /bin/sh -c inside <paramref name="host"/> (a host or a switch); never throws on a non-zero exit.</summary>
    Task<ShellResult> RunAsync(string host, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Starts <paramref name="command"/> as a daemon inside <paramref name="host"/> (a host or a switch), logging to <paramref name="logFile"/>; returns its pid.</summary>
    Task<int> StartDaemonAsync(string host, string command, string logFile, CancellationToken cancellationToken = default);
}

public static class NodeShellExtensions
{
    /// <summary>Like <see cref="INodeShell.RunAsync"/> but a non-zero exit is a <see cref="RunnerException"/>.</summary>
    public static async Task<ShellResult> RunCheckedAsync(this INodeShell shell, string host, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = await shell.RunAsync(host, command, timeout, cancellationToken);
        return result.Succeeded ? result : throw new RunnerException(result.Summary());
    }
}
