using Lbdeploy.Common;

namespace Lbdeploy.Nodes;

/// <summary>The processes lbdeploy started, by exact pid only (<see cref="ProcessTable.System"/> reads /proc).</summary>
public interface IProcessTable
{
    /// <summary>True when the process exists and is not a zombie.</summary>
    bool IsAlive(int pid);

    /// <summary>The argv of a process, or empty when it is gone.</summary>
    IReadOnlyList<string> CommandLine(int pid);

    /// <summary>Sends <paramref name="signal"/>; false when there was no such process.</summary>
    bool Signal(int pid, int signal);
}

public static class ProcessTableExtensions
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    /// <summary>The command line as one string: with the pid, it tells a process from a later one that got its pid.</summary>
    public static string Fingerprint(this IProcessTable processes, int pid) => string.Join(' ', processes.CommandLine(pid));

    /// <summary>The process <paramref name="pid"/> is alive and still runs the program recorded as <paramref name="fingerprint"/>.</summary>
    public static bool Runs(this IProcessTable processes, int pid, string? fingerprint) =>
        processes.IsAlive(pid) && processes.Fingerprint(pid) == fingerprint;

    /// <summary>SIGTERM, then SIGKILL for whatever is still alive after <paramref name="grace"/>.</summary>
    public static async Task TerminateAsync(this IProcessTable processes, IReadOnlyCollection<int> pids, TimeSpan grace, TimeProvider time)
    {
        foreach (var pid in pids) processes.Signal(pid, Processes.SigTerm);
        if (await Wait.UntilAsync(() => !pids.Any(processes.IsAlive), grace, PollInterval, time)) return;
        foreach (var pid in pids.Where(processes.IsAlive)) processes.Signal(pid, Processes.SigKill);
        await Wait.UntilAsync(() => !pids.Any(processes.IsAlive), KillWait, PollInterval, time);
    }
}
