using System.Globalization;
using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// Starts and stops the mux watcher (`lbdeploy watch`, a hidden command) as a daemon in lbdeploy's own (root)
/// namespace: it only reads control sockets (Unix sockets on the shared filesystem) and /proc, and runs `ip route`
/// inside switch nodes through <see cref="HostShell"/>. Log <c>deploy/logs/watcher.log</c>, pid <c>deploy/pids/watcher.pid</c>.
/// Linux target only: bmv2 switches would need their ECMP group members rewritten over thrift, which it does not do.
/// </summary>
public static class WatcherProcess
{
    public static string LogFile => Path.Combine(DeployState.LogDirectory, "watcher.log");
    public static string PidFile => Path.Combine(DeployState.PidDirectory, "watcher.pid");

    /// <summary>The plan has a watcher (it planned its config: linux target).</summary>
    public static bool IsWanted(DeploymentPlan plan) => plan.Files.ContainsKey(PlanFiles.Watcher);

    /// <summary>The applied plan's watch config (apply writes the plan's files there before it runs this).</summary>
    public static string ConfigFile => Path.Combine(DeployState.PlanDirectory, PlanFiles.Watcher);

    /// <summary>(Re)starts the watcher when it is not running or the plan's watch config changed; stops it when the plan has none.</summary>
    public static async Task<AppliedWatcher?> EnsureAsync(DeploymentPlan plan, DeployState state, TextWriter output, CancellationToken ct)
    {
        if (!IsWanted(plan))
        {
            if (state.Watcher is { } old) await StopAsync(old);
            return null;
        }
        var text = plan.Files[PlanFiles.Watcher];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        if (state.Watcher is { IsAlive: true } running && running.ConfigHash == hash) return running;
        if (state.Watcher is { } stale) await StopAsync(stale);
        var config = WatchConfig.Load(ConfigFile);
        var watcher = await StartAsync(ct) with { ConfigHash = hash };
        output.WriteLine($"  + watcher      watching muxes {string.Join(", ", config.Muxes.Select(m => m.Host))} (VIP routes on {string.Join(", ", config.Switches.Select(s => s.Name).Distinct())}), pid {watcher.Pid}");
        return watcher;
    }

    private static async Task<AppliedWatcher> StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(DeployState.LogDirectory);
        Directory.CreateDirectory(DeployState.PidDirectory);
        if (File.Exists(WatchStatus.FilePath)) File.Delete(WatchStatus.FilePath);
        var dll = typeof(WatcherProcess).Assembly.Location;
        var pid = await Daemons.StartAsync(LogFile, [EngineBinary.DotnetHost, dll, "watch", "--config", ConfigFile], ct);
        await File.WriteAllTextAsync(PidFile, pid.ToString(CultureInfo.InvariantCulture) + "\n", ct);
        // Its first round writes the status file: wait for it so apply reports a watcher that works.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (WatchStatus.Load() is not { } status || status.Pid != pid)
        {
            if (!Processes.IsAlive(pid))
            {
                throw new RunnerException($"the mux watcher exited at start; log {LogFile}:{Environment.NewLine}{UnitOperations.Tail(LogFile)}");
            }
            if (DateTime.UtcNow > deadline)
            {
                await Processes.TerminateAsync([pid], TimeSpan.FromSeconds(2));
                throw new RunnerException($"the mux watcher did not complete a round within 30 s; log {LogFile}:{Environment.NewLine}{UnitOperations.Tail(LogFile)}");
            }
            await Task.Delay(100, ct);
        }
        return new AppliedWatcher { Pid = pid, ProcessFingerprint = string.Join(' ', Processes.CommandLine(pid)), LogFile = LogFile };
    }

    public static async Task StopAsync(AppliedWatcher watcher)
    {
        if (watcher.IsAlive) await Processes.TerminateAsync([watcher.Pid], TimeSpan.FromSeconds(5));
    }
}
