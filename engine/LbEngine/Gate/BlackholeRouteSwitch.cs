using System.Diagnostics;
using Lb.Core.Addressing;

namespace Lb.Engine.Gate;

/// <summary>
/// The announcement as a kernel route: the host's BGP speaker announces the VIP only while the host has a route to it
/// (FRR's <c>bgp network import-check</c>), and a blackhole route is that route (the mux engine takes the VIP's packets
/// ahead of the host's routing; the blackhole only keeps the kernel from forwarding them). Off deletes only a
/// blackhole route to the prefix: any other route to it is not the gate's.
/// </summary>
public sealed class BlackholeRouteSwitch(Ipv4Prefix prefix) : IAnnouncementSwitch
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    public string Prefix { get; } = prefix.ToString();

    public async Task SetAsync(bool announce, CancellationToken cancellationToken)
    {
        var (exitCode, error) = await RunAsync(announce ? ["route", "replace", "blackhole", Prefix] : ["route", "del", "blackhole", Prefix], cancellationToken);
        // Deleting a route that is not there is the state we want ("RTNETLINK answers: No such process").
        if (exitCode == 0 || (!announce && error.Contains("No such process", StringComparison.Ordinal))) return;
        throw new GateException($"`ip route {(announce ? "replace" : "del")} blackhole {Prefix}` failed (exit {exitCode}): {error}");
    }

    private static async Task<(int ExitCode, string Error)> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("ip", arguments)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GateException($"cannot run ip ({e.Message}); install iproute2");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CommandTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill();
                throw new GateException($"`ip {string.Join(' ', arguments)}` did not finish within {CommandTimeout.TotalSeconds:0} s");
            }
            return (process.ExitCode, (await error).Trim().Split('\n')[0]);
        }
    }
}
