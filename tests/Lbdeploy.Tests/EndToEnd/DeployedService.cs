using System.Globalization;
using System.Text.Json;
using Lb.Core.Control;
using Lb.Core.Flows;
using Lb.Core.Stats;
using Lbdeploy.Runner;
using Xunit.Abstractions;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// A service brought up with `lbdeploy up` for one test and taken down (`lbdeploy down`) when disposed, even on
/// failure. Everything that addresses the fabric runs inside its hosts (<see cref="HostShell"/>).
/// </summary>
internal sealed class DeployedService : IAsyncDisposable
{
    public const string Vip = "20.0.0.1";

    private readonly ITestOutputHelper log;

    private DeployedService(ITestOutputHelper log, string spec, CliRun up, string vip, IReadOnlyList<string> clients)
    {
        this.log = log;
        Spec = spec;
        Up = up;
        ServiceVip = vip;
        ServiceClients = clients;
        Shell = new HostShell(TestbedNetwork.Running());
    }

    public string Spec { get; }
    public CliRun Up { get; }
    public HostShell Shell { get; }

    /// <summary>This deployment's VIP and clients (the course's <see cref="Vip"/> and <see cref="Clients"/> unless the spec says otherwise).</summary>
    public string ServiceVip { get; }
    public IReadOnlyList<string> ServiceClients { get; }

    public static IReadOnlyList<string> Clients { get; } = [.. Enumerable.Range(3, 10).Select(i => $"h{i}")];

    public static string LoadGenerator => Path.Combine(CliRun.RepositoryRoot, "tools", "loadgen.py");

    /// <summary>`lbdeploy up -f SPEC [UPOPTIONS]` on an idle machine; asserts it verified.</summary>
    public static async Task<DeployedService> StartAsync(ITestOutputHelper log, string spec, string vip = Vip, IReadOnlyList<string>? clients = null, params string[] upOptions)
    {
        if (!MininetNetwork.Discover().IsEmpty || Testbed.TestbedState.Default.Exists || DeployStateFile.Default.Load() is not null)
        {
            throw new InvalidOperationException("a mininet network or an lbdeploy deployment is already running; the end-to-end tests need the machine to themselves (stop it with lbdeploy down)");
        }
        CliRun up;
        try
        {
            up = await RunAsync(log, ["up", "-f", spec, .. upOptions]);
            Assert.True(up.ExitCode == 0, up.All);
        }
        catch
        {
            await RunAsync(log, "down");
            throw;
        }
        return new DeployedService(log, spec, up, vip, clients ?? Clients);
    }

    /// <summary>Destroy stops the watcher: checked by a test before the final down.</summary>
    public async Task DestroyExpectingWatcherStoppedAsync(int watcherPid)
    {
        var destroy = await RunAsync("destroy");
        Assert.True(destroy.ExitCode == 0, destroy.All);
        Assert.False(Processes.IsAlive(watcherPid), $"the watcher (pid {watcherPid}) survived destroy");
    }

    public async ValueTask DisposeAsync()
    {
        WriteEventLogs();
        var down = await RunAsync(log, "down");
        Assert.True(down.ExitCode == 0, down.All);
        Assert.True(MininetNetwork.Discover().IsEmpty, "mininet node shells survived down");
    }

    /// <summary>
    /// What a failed test's output needs to tell a fault from a starved machine: the watcher's log (mux failovers) and
    /// the engines' lines about health and failures, before down removes them.
    /// </summary>
    private void WriteEventLogs()
    {
        var logs = DeployPaths.Default.LogDirectory;
        if (!Directory.Exists(logs)) return;
        static bool IsEvent(string line) =>
            new[] { "down", "fail", "error", "warn", "dead", "silent", "gone" }.Any(w => line.Contains(w, StringComparison.OrdinalIgnoreCase));
        foreach (var file in Directory.GetFiles(logs, "*.log").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith("-server.log", StringComparison.Ordinal)) continue;
            var lines = File.ReadLines(file).Where(line => name == "watcher.log" || IsEvent(line)).TakeLast(20).ToList();
            if (lines.Count == 0) continue;
            log.WriteLine($"--- {name}{(name == "watcher.log" ? "" : " (events)")}");
            foreach (var line in lines) log.WriteLine(line);
        }
    }

    public static async Task<CliRun> RunAsync(ITestOutputHelper log, params string[] args)
    {
        var run = await CliRun.RunAsync(args);
        log.WriteLine($"$ lbdeploy {string.Join(' ', args)}  -> exit {run.ExitCode} in {run.Elapsed.TotalSeconds:0.0} s");
        log.WriteLine(run.All);
        return run;
    }

    public Task<CliRun> RunAsync(params string[] args) => RunAsync(log, args);

    public static AppliedUnit Unit(UnitKind kind, string host) =>
        DeployStateFile.Default.Load()!.Units.Single(u => u.Kind == kind && u.Host == host);

    public static Task<EngineStats> StatsAsync(UnitKind kind, string host) =>
        new ControlClient(Unit(kind, host).ControlSocket!).GetStatsAsync();

    /// <summary>The VIP route of a switch, as `ip route show` prints it (one line).</summary>
    public async Task<string> RouteAsync(string sw) =>
        (await Shell.RunCheckedAsync(sw, $"ip route show {ServiceVip}")).StandardOutput.ReplaceLineEndings(" ").Trim();

    /// <summary>Polls <see cref="RouteAsync"/> until <paramref name="done"/> holds; returns how long it took (or null).</summary>
    public async Task<TimeSpan?> WaitForRouteAsync(string sw, Func<string, bool> done, TimeSpan limit, DateTimeOffset since)
    {
        while (DateTimeOffset.UtcNow - since < limit)
        {
            if (done(await RouteAsync(sw))) return DateTimeOffset.UtcNow - since;
            await Task.Delay(50);
        }
        return null;
    }

    /// <summary>GETs of <paramref name="path"/> from every client, <paramref name="perClient"/> new connections each: (ok, total, errors).</summary>
    public async Task<(int Ok, int Total, string Errors)> GetFromAllClientsAsync(int perClient, string path = "/index.html")
    {
        // The bound is for a hung request, not a latency claim: 80 curls start at once beside the load on 2 cores.
        var results = await Task.WhenAll(ServiceClients.Select(c => Shell.RunAsync(c,
            $"for i in $(seq {perClient}); do curl -s -o /dev/null -m 15 -w '%{{http_code}} %{{time_total}}s %{{local_ip}}:%{{local_port}} %{{errormsg}}\\n' http://{ServiceVip}{path} & done; wait", TimeSpan.FromSeconds(40))));
        var replies = results.SelectMany(r => r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => (r.Host, Line: line.Trim()))).ToList();
        var ok = replies.Count(r => r.Line.StartsWith("200 ", StringComparison.Ordinal));
        var failedReplies = replies.Where(r => !r.Line.StartsWith("200 ", StringComparison.Ordinal)).ToList();
        var failed = failedReplies.Select(r => $"{r.Host}: {r.Line}").Concat(results.Where(r => !r.Succeeded).Select(r => r.Summary()));
        var errors = string.Join("; ", failed);
        if (ok == replies.Count && replies.Count == perClient * ServiceClients.Count) return (ok, perClient * ServiceClients.Count, errors);
        // The third word is the client's address:port (curl prints ":0" when no socket was made).
        var flows = failedReplies.Select(r => ($"{r.Host}: {r.Line}", (string?)r.Line.Split(' ').ElementAtOrDefault(2)));
        return (ok, perClient * ServiceClients.Count, errors + await FlowReportAsync(flows));
    }

    /// <summary>
    /// What a failed request needs beside its error, in the assertion message itself (a suite's log may keep only its
    /// tail): the watcher's failovers, and per engine the second chance's work and every drop reason seen.
    /// </summary>
    public static async Task<string> DiagnosisAsync()
    {
        var lines = new List<string>();
        var watcher = Path.Combine(DeployPaths.Default.LogDirectory, "watcher.log");
        if (File.Exists(watcher))
            lines.AddRange(File.ReadLines(watcher).Where(l => l.Contains("failed", StringComparison.Ordinal) || l.Contains("healthy again", StringComparison.Ordinal)
                || l.Contains("withdrawn", StringComparison.Ordinal)).TakeLast(8).Select(l => "watcher: " + l.Trim()));
        var state = DeployStateFile.Default.Load();
        foreach (var unit in state?.Units.Where(u => u.Kind is UnitKind.Mux or UnitKind.Agent) ?? [])
        {
            try
            {
                var stats = await new ControlClient(unit.ControlSocket!).GetStatsAsync();
                var drops = string.Join(",", stats.Drops.Where(d => d.Value > 0).Select(d => $"{d.Key}={d.Value}"));
                var health = stats.Dips is null ? "" : " dips " + string.Join(",", stats.Dips.Select(d => $"{d.Name}:{d.State}/{d.Health}"));
                var second = stats.SecondChance is { } sc ? $" marked {sc.Marked} out {sc.RedirectedOut} in {sc.RedirectedIn} versions {sc.PoolVersions}" : "";
                lines.Add($"{unit.Kind.ToString().ToLowerInvariant()} {unit.Host}: reloads {stats.Reloads}{second}{health} drops [{drops}]");
                // A DIP that flapped down and up again is up by now: its engine's log keeps the transitions.
                if (unit.LogFile is { } logFile && File.Exists(logFile))
                    lines.AddRange(File.ReadLines(logFile).Where(IsHealthOrWarning).TakeLast(6).Select(l => $"  {unit.Host} log: {l.Trim()}"));
            }
            catch (Exception e) when (e is ControlException or IOException)
            {
                lines.Add($"{unit.Kind.ToString().ToLowerInvariant()} {unit.Host}: no stats ({e.Message})");
            }
        }
        return lines.Count == 0 ? "" : "\n  " + string.Join("\n  ", lines);
    }

    /// <summary>
    /// Why requests of the load failed, in the assertion message itself: each failed flow as every mux sees it now (a
    /// connection-table entry names the DIP it pinned and how long ago; a flow pinned by both muxes changed mux during
    /// its life; one pinned by none never reached a mux as an established flow), then <see cref="DiagnosisAsync"/>.
    /// </summary>
    public Task<string> FailureReportAsync(IEnumerable<LoadEvent> failed) =>
        FlowReportAsync(failed.Select(e => (e.ToString(), e.Src)));

    /// <summary><see cref="FailureReportAsync"/> for any failed requests: (what to print, client address:port).</summary>
    private async Task<string> FlowReportAsync(IEnumerable<(string Label, string? Src)> failed)
    {
        const int httpPort = 80; // the load generator's and curl's (http://VIP/...)
        var lines = new List<string>();
        var muxes = DeployStateFile.Default.Load()?.Units.Where(u => u.Kind == UnitKind.Mux).ToList() ?? [];
        foreach (var e in failed.Take(12))
        {
            var where = new List<string>();
            if (e.Src is { } src && FlowQuery.TryParse($"tcp {src} {ServiceVip}:{httpPort}", out var flow, out _))
            {
                foreach (var mux in muxes)
                {
                    try
                    {
                        var found = await new ControlClient(mux.ControlSocket!).LookupAsync(flow);
                        where.Add(found.Source == FlowLookupReply.FromConnectionTable
                            ? $"{mux.Host} pinned {found.Dip} {found.AgeMs} ms ago, idle {found.IdleMs} ms"
                            : $"{mux.Host} has no entry (maglev: {found.Dip ?? "none"})");
                    }
                    catch (Exception x) when (x is ControlException or IOException)
                    {
                        where.Add($"{mux.Host} no answer ({x.Message})");
                    }
                }
            }
            lines.Add($"{e.Label} src {e.Src ?? "?"}: {(where.Count == 0 ? "no flow to look up" : string.Join("; ", where))}");
        }
        return "\n  " + string.Join("\n  ", lines) + await DiagnosisAsync();
    }

    private static bool IsHealthOrWarning(string line) =>
        line.Contains(" is down", StringComparison.Ordinal) || line.Contains(" is up", StringComparison.Ordinal)
        || line.Contains("unhealthy", StringComparison.Ordinal) || line.Contains("healthy again", StringComparison.Ordinal)
        || line.Contains(" warn: ", StringComparison.Ordinal) || line.Contains(" error: ", StringComparison.Ordinal);

    /// <summary>
    /// Which DIP served each client address:port and when, from the access logs `php -S` writes
    /// (`[Fri Nov 27 00:23:15 2026] ADDR:PORT Accepted`) in deploy/logs/HOST-server.log: the only place that knows,
    /// since the DIPs answer from the VIP. Client ports get reused within a run, so a request is matched to the
    /// accept of its address:port closest to its start (within 2 s).
    /// </summary>
    public static Dictionary<string, List<(DateTimeOffset At, string Dip)>> ServedBy()
    {
        var map = new Dictionary<string, List<(DateTimeOffset, string)>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(DeployPaths.Default.LogDirectory, "*-server.log"))
        {
            var dip = Path.GetFileName(file).Split('-')[0];
            foreach (var line in File.ReadLines(file))
            {
                var match = System.Text.RegularExpressions.Regex.Match(line, @"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\] (\d+\.\d+\.\d+\.\d+:\d+) Accepted");
                if (!match.Success) continue;
                var at = DateTimeOffset.ParseExact(System.Text.RegularExpressions.Regex.Replace(match.Groups[1].Value, " +", " "), "ddd MMM d HH:mm:ss yyyy",
                    CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                if (!map.TryGetValue(match.Groups[2].Value, out var list)) map[match.Groups[2].Value] = list = [];
                list.Add((at, dip));
            }
        }
        return map;
    }

    public static IReadOnlyList<LoadEvent> WithDips(IReadOnlyList<LoadEvent> events)
    {
        var servedBy = ServedBy();
        string? DipOf(LoadEvent e)
        {
            if (e.Src is not { } src || !servedBy.TryGetValue(src, out var accepts)) return null;
            // The log has whole seconds: the accept lies in [start - 1 s, start + 1 s] once truncated.
            var best = accepts.MinBy(a => Math.Abs((a.At.AddSeconds(0.5) - e.Start).TotalSeconds));
            return Math.Abs((best.At.AddSeconds(0.5) - e.Start).TotalSeconds) <= 2 ? best.Dip : null;
        }
        return [.. events.Select(e => e with { Dip = DipOf(e) })];
    }

    /// <summary>Starts tools/loadgen.py inside every client; the task ends when all of them finished.</summary>
    public Task<IReadOnlyList<LoadEvent>> StartLoadAsync(double seconds, int shortWorkers, int longWorkers, int longRate = 256 * 1024, double rate = 0, IReadOnlyList<string>? clients = null)
    {
        var dir = Directory.CreateTempSubdirectory("lbdeploy-load-").FullName;
        var args = string.Create(CultureInfo.InvariantCulture, $"--host {ServiceVip} --seconds {seconds} --short {shortWorkers} --long {longWorkers} --long-rate {longRate} --rate {rate}");
        return Task.Run(async () =>
        {
            var runs = await Task.WhenAll((clients ?? ServiceClients).Select(c =>
                Shell.RunAsync(c, $"/usr/bin/python3 {HostShell.Quote(LoadGenerator)} {args} --out {dir}/{c}.jsonl", TimeSpan.FromSeconds(seconds + 60))));
            foreach (var run in runs.Where(r => !r.Succeeded)) log.WriteLine($"loadgen on {run.Host} failed: {run.Summary()}");
            var events = Directory.EnumerateFiles(dir, "*.jsonl")
                .SelectMany(f => File.ReadLines(f).Select(l => JsonSerializer.Deserialize<LoadEvent>(l, LoadEvent.Json)!).Select(e => e with { Client = Path.GetFileNameWithoutExtension(f) }))
                .ToList();
            Directory.Delete(dir, recursive: true);
            return (IReadOnlyList<LoadEvent>)events;
        });
    }
}

/// <summary>One request tools/loadgen.py made: kind s (short) or l (long-lived), start/end in unix seconds.</summary>
internal sealed record LoadEvent(string K, double T0, double T1, bool Ok, string Err, bool Est, string? Src)
{
    public string Client { get; init; } = "";

    public bool IsLong => K == "l";

    /// <summary>A long-lived connection that got its response headers and then failed.</summary>
    public bool Broken => IsLong && Est && !Ok;

    public DateTimeOffset Start => DateTimeOffset.FromUnixTimeMilliseconds((long)(T0 * 1000));
    public DateTimeOffset End => DateTimeOffset.FromUnixTimeMilliseconds((long)(T1 * 1000));

    public static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>The DIP that served it, from the servers' access logs (<see cref="DeployedService.ServedBy"/>).</summary>
    public string? Dip { get; init; }

    public override string ToString() => $"{Client}{(Dip is null ? "" : "->" + Dip)} {(IsLong ? "long" : "short")} {Start:HH:mm:ss.fff}-{End:HH:mm:ss.fff} {(Ok ? "ok" : Err)}";
}
