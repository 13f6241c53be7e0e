using System.Diagnostics;
using Lbdeploy.Common;

namespace Lbdeploy.Tests.Runner;

/// <summary>templates/runner/daemon.sh, the one way lbdeploy starts a long-running process.</summary>
public sealed class DaemonScriptTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("lbdeploy-daemon-").FullName;

    [Fact]
    public void The_daemon_keeps_no_descriptor_of_its_caller_beyond_stdio()
    {
        // `flock LOCK lbdeploy up` hands lbdeploy an open lock; a daemon that inherited it would hold the lock
        // until it stops. The caller here opens descriptors 7 and 12 (two digits: dash cannot close those) first.
        var script = ShippedFiles.Install("runner/daemon.sh", directory);
        var log = Path.Combine(directory, "daemon.log");
        var lockFile = Path.Combine(directory, "lock");
        var caller = $"exec 7>\"$3\" 12>\"$3\"; exec bash \"$1\" \"$2\" sleep 30";
        var start = Process.Start(new ProcessStartInfo("bash", ["-c", caller, "caller", script, log, lockFile]) { RedirectStandardOutput = true })!;
        var pid = int.Parse(start.StandardOutput.ReadToEnd().Trim());
        start.WaitForExit();
        try
        {
            Assert.True(WaitFor(() => File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep"), "the daemon did not become sleep");
            // Right after exec the dynamic loader holds fd 3 for a moment (ld.so.cache, libc): wait for it to settle.
            // An inherited descriptor never goes away, so this still fails when one leaks.
            string[] Descriptors() => Directory.GetFiles($"/proc/{pid}/fd").Select(f => Path.GetFileName(f)!).Order().ToArray();
            WaitFor(() => Descriptors().Length == 3);
            Assert.Equal(new[] { "0", "1", "2" }, Descriptors());
            Assert.Equal(log, new FileInfo($"/proc/{pid}/fd/1").LinkTarget);
            Assert.Equal(pid, GetSessionId(pid));
        }
        finally
        {
            Process.GetProcessById(pid).Kill();
        }
    }

    private static int GetSessionId(int pid)
    {
        // /proc/PID/stat: "pid (comm) state ppid pgrp session ..."; comm is "sleep", no spaces.
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(' ');
        return int.Parse(fields[5]);
    }

    private static bool WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if (condition()) return true;
            }
            catch (IOException)
            {
            }
            Thread.Sleep(20);
        }
        return false;
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
