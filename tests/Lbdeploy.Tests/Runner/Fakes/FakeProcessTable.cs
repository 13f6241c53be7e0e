using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>Processes that exist only in the test: started by the fake shell and daemon launcher, ended by signals or <see cref="Kill"/>.</summary>
internal sealed class FakeProcessTable(EventLog log) : IProcessTable
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, string[]> running = [];
    private int nextPid = 5000;

    /// <summary>A new live process with <paramref name="argv"/>; returns its pid.</summary>
    public int Start(params string[] argv)
    {
        lock (gate)
        {
            var pid = nextPid++;
            running[pid] = argv;
            return pid;
        }
    }

    /// <summary>The process dies by itself (crash, OOM): no signal from lbdeploy.</summary>
    public void Kill(int pid)
    {
        lock (gate) running.Remove(pid);
    }

    public bool IsAlive(int pid)
    {
        lock (gate) return running.ContainsKey(pid);
    }

    public IReadOnlyList<string> CommandLine(int pid)
    {
        lock (gate) return running.TryGetValue(pid, out var argv) ? argv : [];
    }

    /// <summary>Pids that ignore SIGTERM (only SIGKILL ends them); every other process obeys a signal at once.</summary>
    public HashSet<int> IgnoringSigTerm { get; } = [];

    public bool Signal(int pid, int signal)
    {
        log.Add($"signal {pid} {signal}");
        lock (gate)
        {
            if (!running.ContainsKey(pid)) return false;
            if (signal != Processes.SigTerm || !IgnoringSigTerm.Contains(pid)) running.Remove(pid);
            return true;
        }
    }
}
