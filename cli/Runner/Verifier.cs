using System.Globalization;
using System.Security.Cryptography;
using Lb.Core.Control;
using Lb.Core.Stats;
using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>One verify row: what was checked, whether it held, and the evidence.</summary>
public sealed record VerifyCheck(string Name, bool Passed, string Detail);

/// <summary>
/// `lbdeploy verify`: read-only checks of a running deployment, every one from inside the fabric's hosts. Engine
/// counters are read before and after the checks' own traffic, so "carried traffic" and the split are about that
/// traffic, not about history.
/// </summary>
public sealed class Verifier(DeploymentPlan plan, IDeployTarget target, RunnerEnvironment environment)
{
    /// <summary>The testbed's nodes through mnexec.</summary>
    public Verifier(DeploymentPlan plan, MininetNetwork network, RunnerEnvironment environment) : this(plan, environment.TargetOf(network), environment)
    {
    }

    /// <summary>
    /// Requests each client makes through the VIP: enough new flows that every DIP expects at least
    /// <see cref="FlowsPerSmallestShare"/> of them, so "every DIP served" fails by chance with odds below 1e-5.
    /// </summary>
    public int RequestsPerClient
    {
        get
        {
            var weights = plan.Dips.Select(d => d.Weight).Where(w => w > 0).ToList();
            if (weights.Count == 0 || plan.Clients.Length == 0) return MinimumRequestsPerClient;
            var flows = FlowsPerSmallestShare * weights.Sum() / (double)weights.Min();
            return Math.Clamp((int)Math.Ceiling(flows / plan.Clients.Length), MinimumRequestsPerClient, 64);
        }
    }

    public const int MinimumRequestsPerClient = 4;

    public const int FlowsPerSmallestShare = 12;

    /// <summary>How many hosts ping at once in pingall (each pings its peers in parallel).</summary>
    public const int PingallParallelism = 4;

    /// <summary>How long ago the watcher may have finished its last round (it finishes one every interval).</summary>
    public static readonly TimeSpan WatcherRoundAge = TimeSpan.FromSeconds(5);

    /// <summary>How long an engine may take to answer `health` (the control client's default).</summary>
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(5);

    private readonly INodeShell shell = target.Shell;

    public async Task<IReadOnlyList<VerifyCheck>> RunAsync(CancellationToken ct = default)
    {
        await target.ConnectAsync(Deployer.NodesOf(plan), ct);
        var checks = new List<VerifyCheck>();
        var state = environment.State.Load();
        var engines = state is not null && target.Matches(state)
            ? state.Units.Where(u => u.Kind is UnitKind.Mux or UnitKind.Agent).ToList()
            : [];
        if (engines.Count == 0)
        {
            checks.Add(new VerifyCheck("deployment", false, "nothing is applied to the running network; run lbdeploy apply"));
        }
        else
        {
            var pending = await new Deployer(TextWriter.Null, environment).PendingAsync(plan, target, ct);
            checks.Add(pending.IsEmpty
                ? new VerifyCheck("deployment", true, $"the running network matches {plan.SpecPath} ({pending.Unchanged} units)")
                : new VerifyCheck("deployment", false, $"the running network does not match {plan.SpecPath} ({pending.Summary}); run lbdeploy apply"));
        }

        if (engines.Count > 0 && WatcherProcess.IsWanted(plan)) checks.Add(WatcherCheck(state!));
        if (FibVerifier.AppliesTo(plan)) checks.Add(await FibVerifier.CheckAsync(plan, shell, ct));
        if (plan.Bgp is not null) checks.AddRange(await BgpVerifier.CheckAsync(plan, shell, ct));
        var before = await ReadStatsAsync(engines, checks, recordHealth: true, ct);
        checks.Add(await PingallAsync(ct));
        checks.AddRange(await ClientChecksAsync(ct));
        var after = await ReadStatsAsync(engines, checks, recordHealth: false, ct);
        var settled = await SettledMuxStatsAsync(engines, after, ct);
        checks.AddRange(TrafficChecks(before, after, settled));
        return checks;
    }

    /// <summary>
    /// When a mux sees a DIP down at the end of verify, the muxes' stats read again once health could have taken it back
    /// (rise good probes): a DIP that fails for a moment on a starved machine and recovers is a flap, named as such;
    /// one still down is a failure. Null when every DIP was up.
    /// </summary>
    private async Task<Dictionary<string, EngineStats>?> SettledMuxStatsAsync(List<AppliedUnit> engines, Dictionary<string, EngineStats> after, CancellationToken ct)
    {
        var muxKeys = plan.Muxes.Select(m => $"mux:{m.Host}").ToList();
        var anyDown = plan.Dips.Any(d => HealthViews(muxKeys, after, d.Host).Any(v => v.Dip.Health != "up"));
        if (!anyDown || plan.Muxes.FirstOrDefault()?.Engine.Health is not { Enabled: true } health) return null;
        var settle = TimeSpan.FromMilliseconds((health.Rise + 1) * health.IntervalMs + health.TimeoutMs);
        await Task.Delay(settle, environment.Time, ct);
        return await ReadStatsAsync(engines.Where(e => e.Kind == UnitKind.Mux).ToList(), [], recordHealth: false, ct);
    }

    /// <summary>The mux watcher runs and finished a round recently (it rewrites its status every round).</summary>
    private VerifyCheck WatcherCheck(DeployState state)
    {
        if (state.Watcher is not { } watcher || !watcher.IsAlive(environment.Processes))
        {
            return new VerifyCheck("watcher", false, $"the mux watcher is not running{(state.Watcher is { } w ? $" (pid {w.Pid}; log {w.LogFile})" : "")}; run lbdeploy apply");
        }
        var status = WatchStatus.Load(environment.Paths);
        var age = status is null ? TimeSpan.MaxValue : environment.Time.GetUtcNow() - status.UpdatedAt;
        if (status is null || status.Pid != watcher.Pid || age > WatcherRoundAge)
        {
            return new VerifyCheck("watcher", false, $"pid {watcher.Pid} runs but has not finished a round for {(status is null ? "ever" : $"{age.TotalSeconds:0} s")}; log {watcher.LogFile}");
        }
        var down = status.Muxes.Where(m => !m.Value).Select(m => m.Key).ToList();
        return new VerifyCheck("watcher", down.Count == 0,
            $"pid {watcher.Pid}, muxes up: {string.Join(", ", status.Muxes.Where(m => m.Value).Select(m => m.Key))}{(down.Count > 0 ? $", DOWN: {string.Join(", ", down)}" : "")}; {status.Actions}");
    }

    private async Task<VerifyCheck> PingallAsync(CancellationToken ct)
    {
        var hosts = plan.Fabric.Hosts;
        var failures = new List<string>();
        var pairs = 0;
        using var gate = new SemaphoreSlim(PingallParallelism);
        await Task.WhenAll(hosts.Select(async source =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var targets = hosts.Where(h => h.Name != source.Name).Select(h => h.Address.Address.ToString()).ToList();
                var pingAll = await target.ScriptAsync(source.Name, "runner/ping-all.sh", ct);
                var result = await shell.RunAsync(source.Name, $"sh {HostShell.Quote(pingAll)} {string.Join(' ', targets.Select(HostShell.Quote))}", TimeSpan.FromSeconds(30), ct);
                var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                lock (failures)
                {
                    pairs += targets.Count;
                    var ok = lines.Where(l => l.StartsWith("ok ", StringComparison.Ordinal)).Select(l => l[3..]).ToHashSet();
                    failures.AddRange(targets.Where(t => !ok.Contains(t)).Select(t => $"{source.Name}->{NameOf(t)}"));
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        return failures.Count == 0
            ? new VerifyCheck("pingall", true, $"{pairs}/{pairs} host pairs answer")
            : new VerifyCheck("pingall", false, $"{pairs - failures.Count}/{pairs} host pairs answer; no answer: {string.Join(", ", failures.Order().Take(10))}{(failures.Count > 10 ? ", ..." : "")}");
    }

    private async Task<IEnumerable<VerifyCheck>> ClientChecksAsync(CancellationToken ct)
    {
        var vip = plan.Service.Vip.ToString();
        var requests = RequestsPerClient;
        var rows = await Task.WhenAll(plan.Clients.Select(async client =>
        {
            var results = new List<VerifyCheck>();
            if (plan.Service.HttpPort is not { } port)
            {
                results.Add(new VerifyCheck($"http {client}", true, "the VIP serves no TCP port: nothing to fetch over HTTP"));
            }
            else
            {
                var (expectedFile, expectedHash) = ExpectedContent();
                var fetchHashes = await target.ScriptAsync(client, "runner/fetch-hashes.sh", ct);
                var url = $"http://{vip}{(port == 80 ? "" : ":" + port.ToString(CultureInfo.InvariantCulture))}{plan.Service.VerifyPath}";
                // Concurrent GETs (each a new connection, so a new flow), every body hashed.
                var http = await shell.RunAsync(client, $"sh {HostShell.Quote(fetchHashes)} {requests} {HostShell.Quote(url)}", TimeSpan.FromSeconds(30), ct);
                var hashes = http.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();
                var good = hashes.Count(h => h == expectedHash);
                results.Add(new VerifyCheck($"http {client}", good == requests,
                    good == requests
                        ? $"{requests}/{requests} GET {url} == {expectedFile} (sha256 {expectedHash[..12]})"
                        : $"{good}/{requests} GET {url} matched {expectedFile}{FetchErrors(http.StandardError)}"));
            }
            if (plan.Service.Icmp)
            {
                var ping = await shell.RunAsync(client, $"ping -c1 -W2 -q {vip}", TimeSpan.FromSeconds(10), ct);
                results.Add(new VerifyCheck($"ping-vip {client}", ping.Succeeded, ping.Succeeded ? $"{vip} answers" : $"no answer from {vip}"));
            }
            return results;
        }));
        return rows.SelectMany(r => r);
    }

    /// <summary>Why GETs failed, as fetch-hashes.sh reports them (one line per failed GET): each reason once.</summary>
    private static string FetchErrors(string standardError)
    {
        var reasons = standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .GroupBy(r => r, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.Key : $"{g.Key} (x{g.Count()})")
            .ToList();
        return reasons.Count == 0 ? "" : ": " + TerminalText.Escape(string.Join("; ", reasons), maxLength: 600);
    }

    private (string File, string Hash) ExpectedContent()
    {
        var relative = plan.Service.VerifyPath.TrimStart('/');
        if (relative.Length == 0 || relative.EndsWith('/')) relative += "index.html";
        var path = Path.Combine(plan.Service.DocRoot, relative);
        if (!File.Exists(path))
        {
            throw new RunnerException($"verify path {plan.Service.VerifyPath} has no file in the docroot ({path}); fix verify.path or servers.docroot in {plan.SpecPath}");
        }
        using var stream = File.OpenRead(path);
        return (Path.GetRelativePath(plan.Service.DocRoot, path), Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    private async Task<Dictionary<string, EngineStats>> ReadStatsAsync(List<AppliedUnit> engines, List<VerifyCheck> checks, bool recordHealth, CancellationToken ct)
    {
        var stats = new Dictionary<string, EngineStats>(StringComparer.Ordinal);
        foreach (var engine in engines)
        {
            var name = $"health {engine.Kind.ToString().ToLowerInvariant()} {engine.Host}";
            if (!await target.IsRunningAsync(engine, ct) || engine.ControlSocket is null)
            {
                if (recordHealth) checks.Add(new VerifyCheck(name, false, $"not running (pid {engine.Pid}); log {engine.LogFile}; run lbdeploy apply"));
                continue;
            }
            try
            {
                var control = target.EnginesOn(engine.Host);
                if (recordHealth) await control.HealthAsync(engine.ControlSocket, ControlTimeout, ct);
                var s = await control.StatsAsync(engine.ControlSocket, ct);
                stats[engine.Key] = s;
                if (recordHealth) checks.Add(new VerifyCheck(name, true, $"pid {engine.Pid}, up {s.UptimeSeconds:0} s, {s.PacketsIn} packets in"));
            }
            catch (ControlException e)
            {
                if (recordHealth) checks.Add(new VerifyCheck(name, false, e.Message));
            }
        }
        return stats;
    }

    /// <summary>What each mux of <paramref name="muxKeys"/> in <paramref name="stats"/> says of the DIP's health (muxes without health checking left out).</summary>
    private static List<(string Mux, DipStats Dip)> HealthViews(IEnumerable<string> muxKeys, Dictionary<string, EngineStats> stats, string dip) =>
        muxKeys.Where(stats.ContainsKey)
            .Select(key => (Mux: stats[key].Host, Dip: stats[key].Dips?.FirstOrDefault(d => d.Name == dip)))
            .Where(v => v.Dip?.Health is not null)
            .Select(v => (v.Mux, v.Dip!))
            .ToList();

    private IEnumerable<VerifyCheck> TrafficChecks(Dictionary<string, EngineStats> before, Dictionary<string, EngineStats> after,
        Dictionary<string, EngineStats>? settled)
    {
        long Delta(string key, Func<EngineStats, long> counter) =>
            after.TryGetValue(key, out var a) ? counter(a) - (before.TryGetValue(key, out var b) ? counter(b) : 0) : 0;

        var muxKeys = plan.Muxes.Select(m => $"mux:{m.Host}").Where(after.ContainsKey).ToList();
        foreach (var mux in plan.Muxes)
        {
            var key = $"mux:{mux.Host}";
            if (!after.TryGetValue(key, out var stats)) continue;
            var packets = Delta(key, s => s.PacketsIn);
            var forwarded = Delta(key, s => s.Forwarded);
            yield return new VerifyCheck($"traffic mux {mux.Host}", forwarded > 0, $"{packets} VIP packets in, {forwarded} forwarded during verify");
            yield return new VerifyCheck($"dsr mux {mux.Host}", stats.DsrViolations == 0, $"dsr_violations = {stats.DsrViolations ?? -1} (replies must bypass the mux)");
        }
        foreach (var dip in plan.Dips)
        {
            var key = $"agent:{dip.Host}";
            if (!after.ContainsKey(key)) continue;
            var delivered = Delta(key, s => s.Forwarded);
            var expectTraffic = dip.Weight > 0;
            yield return new VerifyCheck($"traffic dip {dip.Host}", !expectTraffic || delivered > 0,
                $"{delivered} packets delivered during verify{(expectTraffic ? "" : " (weight 0: drained)")}");
        }
        foreach (var dip in plan.Dips)
        {
            // The DIP's health as every mux sees it (agent reports): a down DIP gets no new flows.
            var views = HealthViews(muxKeys, after, dip.Host);
            if (views.Count == 0) continue;
            var flapped = views.Where(v => v.Dip.Health != "up").Select(v => v.Mux).ToList();
            var down = flapped;
            if (flapped.Count > 0 && settled is not null && HealthViews(muxKeys, settled, dip.Host) is { Count: > 0 } again)
            {
                views = again;
                down = views.Where(v => v.Dip.Health != "up").Select(v => v.Mux).ToList();
            }
            var flap = flapped.Count > 0 ? $"; it flapped: DOWN on {string.Join(", ", flapped)} a moment before, check its agent log" : "";
            yield return new VerifyCheck($"health dip {dip.Host}", down.Count == 0, down.Count == 0
                ? $"up on every mux ({string.Join(", ", views.Select(v => $"{v.Mux}: last report {v.Dip.LastReportMs} ms ago"))}){flap}"
                : $"DOWN on {string.Join(", ", down)}: its server fails the agent's probe or the agent is silent; check the server on {dip.Host} and its agent log");
        }

        // The split: new flows per DIP as the muxes counted them, against the DIPs' weights.
        var flowsPerDip = plan.Dips.ToDictionary(d => d.Host, d => muxKeys.Sum(k =>
        {
            long Flows(Dictionary<string, EngineStats> s) => s.TryGetValue(k, out var e) ? e.Dips?.FirstOrDefault(x => x.Name == d.Host)?.Flows ?? 0 : 0;
            return Flows(after) - Flows(before);
        }));
        var totalWeight = plan.Dips.Sum(d => d.Weight);
        var totalFlows = flowsPerDip.Values.Sum();
        if (muxKeys.Count > 0 && totalWeight > 0)
        {
            var worst = plan.Dips.Where(d => d.Weight > 0)
                .Select(d => (d.Host, Ratio: flowsPerDip[d.Host] / (totalFlows * (double)d.Weight / totalWeight)))
                .ToList();
            var even = totalFlows > 0 && worst.All(w => w.Ratio > 0 && w.Ratio < 3);
            yield return new VerifyCheck("split dips", even,
                $"{totalFlows} new flows: {string.Join(", ", plan.Dips.Select(d => $"{d.Host} {flowsPerDip[d.Host]}"))} (weights {string.Join("/", plan.Dips.Select(d => d.Weight))})");
        }
        if (muxKeys.Count > 1)
        {
            var perMux = muxKeys.ToDictionary(k => k, k => Delta(k, s => s.Forwarded));
            yield return new VerifyCheck("split muxes", perMux.Values.All(v => v > 0),
                string.Join(", ", perMux.Select(kv => $"{kv.Key[4..]} {kv.Value} packets")));
        }
    }

    private string NameOf(string address) =>
        plan.Fabric.Hosts.FirstOrDefault(h => h.Address.Address.ToString() == address)?.Name ?? address;
}
