namespace Lbdeploy.Nodes;

/// <summary>The machine's process table, through <see cref="Processes"/> (/proc and kill(2)).</summary>
public sealed class ProcessTable : IProcessTable
{
    public static readonly ProcessTable System = new();

    private ProcessTable()
    {
    }

    public bool IsAlive(int pid) => Processes.IsAlive(pid);

    public IReadOnlyList<string> CommandLine(int pid) => Processes.CommandLine(pid);

    public bool Signal(int pid, int signal) => Processes.Signal(pid, signal);
}
