namespace Lbdeploy.Nodes;

/// <summary>Starts a long-running process and returns its pid (<see cref="Daemons"/> is the one real way).</summary>
public interface IDaemonLauncher
{
    /// <summary>Starts <paramref name="argv"/> as a daemon logging to <paramref name="logFile"/>; returns its pid.</summary>
    Task<int> StartAsync(string logFile, IReadOnlyList<string> argv, CancellationToken cancellationToken = default);
}
