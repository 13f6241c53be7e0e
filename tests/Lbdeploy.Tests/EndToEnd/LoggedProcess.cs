using System.Diagnostics;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>Runs a process to its end with both streams read, and logs its command line, exit code, time and output.</summary>
internal static class LoggedProcess
{
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, string shown, ITestOutputHelper log)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout + await stderr;
        log.WriteLine($"$ {shown}  -> exit {process.ExitCode} in {watch.Elapsed.TotalSeconds:0.0} s");
        log.WriteLine(output);
        return (process.ExitCode, output);
    }
}
