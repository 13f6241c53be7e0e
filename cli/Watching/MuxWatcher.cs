using System.Collections.Immutable;
using System.Globalization;
using Lb.Core.Control;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Common;
using Lbdeploy.Nodes;

namespace Lbdeploy.Watching;

/// <summary>
/// Keeps the VIP's traffic on healthy muxes: every <see cref="WatchConfig.IntervalMilliseconds"/> it checks each mux
/// (its process, as apply recorded it, is alive AND its control socket answers `health`). Linux target: it keeps the
/// VIP route of every switch in front of the muxes pointing at the healthy ones only (`ip route replace` in the
/// switch node), the role BGP withdrawal plays elsewhere. frr target: it turns each mux host's BGP announcement of
/// the VIP on while its engine is healthy and off when not (templates/runner/announce.sh in the mux node), and BGP
/// does the rest. A dead process counts at once; a silent socket after <see cref="FailuresToDown"/> rounds; a mux is
/// back after <see cref="SuccessesToUp"/> good rounds. Routes and announcements are re-asserted whenever apply
/// rewrites the state (a re-installed switch script restores the full set, a restarted FRR starts without the
/// gate). Exits when the deployment or the network it watches is gone.
/// </summary>
public sealed class MuxWatcher(WatchConfig config, TextWriter log, RunnerEnvironment environment)
{
    public const int FailuresToDown = 2;
    public const int SuccessesToUp = 2;

    private static readonly TimeSpan HealthTimeout = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// Between rounds the watcher looks this often for a mux process that died (a /proc read, no socket, no shell): a
    /// death starts the next round at once, so a killed engine is withdrawn without waiting out the interval.
    /// </summary>
    public static readonly TimeSpan LivenessInterval = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<string, MuxHealth> health = config.Muxes.ToDictionary(m => m.Host, _ => new MuxHealth(), StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableArray<WatchedNextHop>> installed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> announced = new(StringComparer.Ordinal);
    private readonly TimeProvider time = environment.Time;
    private DateTimeOffset? stateSavedAt;
    private DeployState? lastState;
    private long failovers;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var acts = config.Announcements.IsEmpty
            ? $"VIP routes on {string.Join(", ", config.Switches.Select(s => s.Name))}"
            : $"gating the VIP announcements of {string.Join(", ", config.Announcements.Select(a => a.Host))}";
        Log($"watching muxes {string.Join(", ", config.Muxes.Select(m => m.Host))} every {config.IntervalMilliseconds} ms; {acts}");
        var interval = TimeSpan.FromMilliseconds(config.IntervalMilliseconds);
        while (!ct.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            if (!await RoundAsync(ct)) return 0;
            try
            {
                for (var left = interval - time.GetElapsedTime(started); left > TimeSpan.Zero && !AnUpMuxDied(); left = interval - time.GetElapsedTime(started))
                {
                    await Task.Delay(left < LivenessInterval ? left : LivenessInterval, time, ct);
                }
            }
            catch (OperationCanceledException) { break; }
        }
        Log("stopped");
        return 0;
    }

    /// <summary>One round: check every mux, fix the VIP routes, write the status. False when there is nothing left to watch.</summary>
    internal async Task<bool> RoundAsync(CancellationToken ct)
    {
        var state = environment.State.Load();
        if (state is null)
        {
            Log("the deployment is gone (no applied.json): stopping");
            return false;
        }
        if (config.Switches.Select(s => s.Name).Concat(config.Announcements.Select(a => a.Host))
            .Any(node => !state.Network.TryGetValue(node, out var pid) || !environment.Processes.IsAlive(pid)))
        {
            Log("a watched node is gone (the network stopped): stopping");
            return false;
        }
        lastState = state;
        await CheckMuxesAsync(state, ct);
        // Every save of the state moves its stamp: apply may have re-installed a switch script (the full route).
        var reassert = state.UpdatedAt != stateSavedAt;
        stateSavedAt = state.UpdatedAt;
        var shell = environment.ShellFor(MininetNetwork.FromNodes(state.Network));
        await UpdateRoutesAsync(shell, reassert, ct);
        await UpdateAnnouncementsAsync(shell, reassert, ct);
        WriteStatus();
        return true;
    }

    /// <summary>A mux the last round found up whose process is gone since.</summary>
    private bool AnUpMuxDied()
    {
        if (lastState is null) return false;
        foreach (var mux in config.Muxes)
        {
            var h = health[mux.Host];
            bool up;
            lock (h) up = h.Up;
            var unit = lastState.Units.FirstOrDefault(u => u.Kind == UnitKind.Mux && u.Host == mux.Host);
            if (up && unit is not null && !unit.IsProcessAlive(environment.Processes)) return true;
        }
        return false;
    }

    private async Task CheckMuxesAsync(DeployState state, CancellationToken ct)
    {
        await Task.WhenAll(config.Muxes.Select(async mux =>
        {
            var unit = state.Units.FirstOrDefault(u => u.Kind == UnitKind.Mux && u.Host == mux.Host);
            string? problem;
            var certain = false;
            if (unit is null || !unit.IsProcessAlive(environment.Processes))
            {
                problem = unit is null ? "not in the deploy state" : $"process {unit.Pid} is gone";
                certain = true;
            }
            else
            {
                problem = await ProbeAsync(unit.ControlSocket ?? mux.ControlSocket, ct);
            }
            var h = health[mux.Host];
            lock (h)
            {
                if (problem is null)
                {
                    h.Failures = 0;
                    h.Successes++;
                    if (!h.Up && h.Successes >= SuccessesToUp)
                    {
                        h.Up = true;
                        Log($"mux {mux.Host} is healthy again (pid {unit!.Pid})");
                    }
                }
                else
                {
                    h.Successes = 0;
                    h.Failures++;
                    if (h.Up && (certain || h.Failures >= FailuresToDown))
                    {
                        h.Up = false;
                        Log($"mux {mux.Host} failed: {problem}");
                    }
                }
            }
        }));
    }

    private async Task<string?> ProbeAsync(string socket, CancellationToken ct)
    {
        try
        {
            await environment.Engines.HealthAsync(socket, HealthTimeout, ct);
            return null;
        }
        catch (ControlException e)
        {
            return e.Message;
        }
    }

    private async Task UpdateRoutesAsync(INodeShell shell, bool reassert, CancellationToken ct)
    {
        var up = health.Where(kv => kv.Value.Up).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var sw in config.Switches)
        {
            var desired = sw.Desired(up);
            var key = sw.Name + " " + sw.Prefix;
            if (!reassert && installed.TryGetValue(key, out var current) && current.SequenceEqual(desired)) continue;
            var result = await shell.RunAsync(sw.Name, sw.RouteCommand(desired), TimeSpan.FromSeconds(5), ct);
            if (!result.Succeeded)
            {
                Log($"{sw.Name}: `{result.Command}` failed: {result.StandardError.Trim()}");
                installed.Remove(key); // try again next round
                continue;
            }
            var changed = !installed.TryGetValue(key, out var before) || !before.SequenceEqual(desired);
            installed[key] = desired;
            if (changed)
            {
                if (desired.Length < sw.NextHops.Length) failovers++;
                Log($"{sw.Name}: {sw.Prefix} -> {string.Join(", ", desired.Select(h => h.Neighbor))}{(desired.Length < sw.NextHops.Length ? " (failed muxes withdrawn)" : "")}");
            }
        }
    }

    private async Task UpdateAnnouncementsAsync(INodeShell shell, bool reassert, CancellationToken ct)
    {
        if (config.Announcements.IsEmpty) return;
        var script = ShippedFiles.Install("runner/announce.sh", environment.Paths.Scripts);
        await Task.WhenAll(config.Announcements.Select(async announcement =>
        {
            var on = health[announcement.Host].Up;
            bool before;
            lock (announced)
            {
                if (announced.TryGetValue(announcement.Host, out before) && before == on && !reassert) return;
            }
            var result = await shell.RunAsync(announcement.Host, $"sh {ShellQuoting.Quote(script)} {(on ? "on" : "off")} {ShellQuoting.Quote(announcement.Prefix)}", TimeSpan.FromSeconds(5), ct);
            lock (announced)
            {
                if (!result.Succeeded)
                {
                    Log($"{announcement.Host}: `{result.Command}` failed: {result.StandardError.Trim()}");
                    announced.Remove(announcement.Host); // try again next round
                    return;
                }
                var changed = !announced.TryGetValue(announcement.Host, out var was) || was != on;
                announced[announcement.Host] = on;
                if (!changed) return;
                if (!on) failovers++;
                Log($"{announcement.Host}: {announcement.Prefix} {(on ? "announced" : "withdrawn (engine failed)")}");
            }
        }));
    }

    private void WriteStatus()
    {
        var status = new WatchStatus(
            Environment.ProcessId,
            time.GetUtcNow(),
            health.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value.Up, StringComparer.Ordinal),
            installed.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value.Select(h => h.Neighbor).ToImmutableArray(), StringComparer.Ordinal),
            failovers,
            config.Announcements.IsEmpty ? null : announced.Where(kv => kv.Value).Select(kv => kv.Key).ToImmutableSortedSet(StringComparer.Ordinal));
        try
        {
            status.Save(environment.Paths);
        }
        catch (IOException)
        {
            // The deploy directory is being removed (destroy): the next round sees it and stops.
        }
    }

    private void Log(string message)
    {
        log.WriteLine($"{time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} lbdeploy watch: {message}");
        log.Flush();
    }

    private sealed class MuxHealth
    {
        public bool Up { get; set; } = true;
        public int Successes { get; set; }
        public int Failures { get; set; }
    }
}
