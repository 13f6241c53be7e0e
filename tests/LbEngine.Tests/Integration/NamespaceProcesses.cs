using System.Diagnostics;

namespace Lb.Engine.Tests.Integration;

/// <summary>
/// Long-running processes a test starts inside network namespaces, each with its output in a log file, stopped by
/// pid (SIGTERM, then SIGKILL after 5 s) when disposed. The exec chain (sh -> ip netns exec -> command) keeps the pid
/// the command's own.
/// </summary>
internal sealed class NamespaceProcesses : IDisposable
{
    private readonly List<Process> _processes = [];

    public Process Start(string ns, string command, string logFile, bool append = false)
    {
        var redirect = append ? ">>" : ">";
        var info = new ProcessStartInfo("/bin/sh", ["-c", $"exec ip netns exec {ns} {command} {redirect}{logFile} 2>&1"]) { UseShellExecute = false };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {command}");
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!NetnsLab.Terminate(process, TimeSpan.FromSeconds(5))) process.Kill();
            }
            catch (InvalidOperationException)
            {
                // never started or already reaped
            }
            process.Dispose();
        }
        _processes.Clear();
    }
}
