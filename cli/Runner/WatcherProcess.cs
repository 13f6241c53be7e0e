using System.Globalization;
using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// Starts and stops the mux watcher (`lbdeploy watch`, a hidden command) as a daemon in lbdeploy's own (root)
/// namespace: it only reads control sockets (Unix sockets on the shared filesystem) and /proc, and runs `ip route`
/// inside switch nodes (linux target) through <see cref="HostShell"/>, or simple_switch_CLI on the bmv2 switches'
/// thrift ports (localhost, bmv2 target). The frr target has none (each mux host's gate withdraws its announcement).
/// Log <see cref="DeployPaths.WatcherLog"/>, pid <see cref="DeployPaths.WatcherPid"/>.
/// </summary>
public sealed class WatcherProcess(RunnerEnvironment environment)
{
    /// <summary>How long the watcher may take to finish its first round.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private DeployPaths Paths => environment.Paths;

    /// <summary>The plan has a watcher (it planned its config: linux on the testbed, bmv2 up to <see cref="Bmv2Failover.MaxMuxes"/> muxes).</summary>
    public static bool IsWanted(DeploymentPlan plan) => plan.Files.ContainsKey(PlanFiles.Watcher);

    /// <summary>(Re)starts the watcher when it is not running or the plan's watch config changed; stops it when the plan has none.</summary>
    public async Task<AppliedWatcher?> EnsureAsync(DeploymentPlan plan, DeployState state, TextWriter output, CancellationToken ct)
    {
        if (!IsWanted(plan))
        {
            if (state.Watcher is { } old) await StopAsync(old);
            return null;
        }
        var text = plan.Files[PlanFiles.Watcher];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        if (state.Watcher is { } running && running.IsAlive(environment.Processes) && running.ConfigHash == hash) return running;
        if (state.Watcher is { } stale) await StopAsync(stale);
        var config = WatchConfig.Load(Paths.WatchConfigFile);
        var watcher = await StartAsync(ct) with { ConfigHash = hash };
        output.WriteLine($"  + watcher      watching muxes {string.Join(", ", config.Muxes.Select(m => m.Host))} ({config.Acts}), pid {watcher.Pid}");
        return watcher;
    }

    private async Task<AppliedWatcher> StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Paths.LogDirectory);
        Directory.CreateDirectory(Paths.PidDirectory);
        if (File.Exists(Paths.WatchStatusFile)) File.Delete(Paths.WatchStatusFile);
        var dll = typeof(WatcherProcess).Assembly.Location;
        var pid = await environment.Daemons.StartAsync(Paths.WatcherLog, [EngineBinary.DotnetHost, dll, "watch", "--config", Paths.WatchConfigFile], ct);
        await File.WriteAllTextAsync(Paths.WatcherPid, pid.ToString(CultureInfo.InvariantCulture) + "\n", ct);
        // Its first round writes the status file: wait for it so apply reports a watcher that works.
        var started = await Wait.UntilAsync(() =>
        {
            if (WatchStatus.Load(Paths) is { } status && status.Pid == pid) return true;
            return environment.Processes.IsAlive(pid)
                ? false
                : throw new RunnerException($"the mux watcher exited at start; log {Paths.WatcherLog}:{Environment.NewLine}{UnitOperations.Tail(Paths.WatcherLog)}");
        }, StartTimeout, PollInterval, environment.Time, ct);
        if (!started)
        {
            await environment.Processes.TerminateAsync([pid], TimeSpan.FromSeconds(2), environment.Time);
            throw new RunnerException($"the mux watcher did not complete a round within {StartTimeout.TotalSeconds:0} s; log {Paths.WatcherLog}:{Environment.NewLine}{UnitOperations.Tail(Paths.WatcherLog)}");
        }
        return new AppliedWatcher { Pid = pid, ProcessFingerprint = environment.Processes.Fingerprint(pid), LogFile = Paths.WatcherLog };
    }

    public async Task StopAsync(AppliedWatcher watcher)
    {
        if (watcher.IsAlive(environment.Processes)) await environment.Processes.TerminateAsync([watcher.Pid], TimeSpan.FromSeconds(5), environment.Time);
    }
}
