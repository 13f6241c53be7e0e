using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Lbdeploy.Nodes;

/// <summary>
/// Runs a program in the foreground on lbdeploy's own standard input, output and error (inherited, not piped: output
/// appears as the program writes it, a terminal stays a terminal) and returns its exit code as a shell reports it
/// (128 + N when signal N ended it).
/// </summary>
public static class ForegroundProcess
{
    public static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var start = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
        foreach (var arg in argv.Skip(1)) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {argv[0]}");
        // While the program runs, an interrupt or termination is the program's to handle: Ctrl-C on a terminal reaches
        // it anyway (same process group), one sent to lbdeploy alone is passed on; lbdeploy does not exit before it,
        // so nothing is left running behind it, and its exit code (130 after Ctrl-C) is lbdeploy's.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => PassOn(context, process.Id, 2));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => PassOn(context, process.Id, 15));
        await process.WaitForExitAsync(CancellationToken.None);
        return process.ExitCode;
    }

    private static void PassOn(PosixSignalContext context, int pid, int signal)
    {
        context.Cancel = true;
        Processes.Signal(pid, signal);
    }
}
