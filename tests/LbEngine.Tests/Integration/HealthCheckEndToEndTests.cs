using System.Diagnostics;
using System.Text.Json;
using Lb.Core.Control;
using Lb.Core.Stats;
using Lb.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Lb.Engine.Tests.Integration;

/// <summary>
/// Health checking with real processes in network namespaces: one mux, two DIPs each with an agent and a PHP server
/// bound to the VIP (DSR). A dead server and a silent agent both take their DIP out of the rotation within 3 s, and
/// it comes back within 3 s of recovery; new connections meanwhile all succeed on the other DIP.
/// </summary>
[Collection(nameof(NetnsCollection))]
public class HealthCheckEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);
    private const int MetricsPort = 9464;
    private readonly string _directory = Directory.CreateTempSubdirectory("lbh-it-").FullName;

    private const string Health = "\"health\": {\"enabled\": true, \"interval_ms\": 500, \"timeout_ms\": 300, \"rise\": 2, \"fall\": 2, \"dead_after_ms\": 1500, \"port\": 9199}";
    private const string Vips = "\"vips\": [{\"address\": \"20.0.0.1\", \"ports\": [{\"protocol\": \"tcp\", \"port\": 80}], \"icmp\": true}]";

    /// <summary>The HTTP check (second test): GET /healthz instead of a TCP connect.</summary>
    private const string HttpHealth = "\"health\": {\"enabled\": true, \"interval_ms\": 500, \"timeout_ms\": 300, \"rise\": 2, \"fall\": 2, \"dead_after_ms\": 1500, \"port\": 9199, \"http\": {\"path\": \"/healthz\", \"expect_status\": 200}}";

    private string MuxConfig() => $$"""
        {"version": 1, "role": "mux", "host": "mux1", "interface": "{{HealthLab.MuxInterface}}", "address": "{{HealthLab.MuxAddress}}",
         "gateway": {"address": "10.61.2.1"}, "control_socket": "{{_directory}}/mux.sock", {{Vips}},
         "dips": [{"name": "srv1", "address": "10.61.3.2"}, {"name": "srv2", "address": "10.61.4.2"}],
         {{Health}}, "metrics": {"listen": "127.0.0.1:{{MetricsPort}}"} }
        """;

    private string AgentConfig(int i, string health = Health) => $$"""
        {"version": 1, "role": "agent", "host": "{{HealthLab.Servers[i].Name}}", "interface": "{{HealthLab.Servers[i].Interface}}",
         "address": "{{HealthLab.Servers[i].Address}}", "gateway": {"address": "{{HealthLab.Servers[i].Gateway}}"},
         "control_socket": "{{_directory}}/agent{{i + 1}}.sock", {{Vips}},
         "muxes": [{"name": "mux1", "address": "{{HealthLab.MuxAddress}}"}], {{health}} }
        """;

    /// <summary>
    /// A server that is up but answers its health URL with 500 leaves the rotation (a TCP connect would keep it), and
    /// comes back when the URL answers 200 again.
    /// </summary>
    [RootFact("it creates network namespaces")]
    public async Task With_an_HTTP_check_a_server_answering_500_leaves_the_rotation_and_returns_on_200()
    {
        var engine = EngineBinary.Dll();
        var dotnet = EngineBinary.Dotnet;
        File.WriteAllText(Path.Combine(_directory, "mux.json"), MuxConfig());
        var www = new string[2];
        for (var i = 0; i < 2; i++)
        {
            File.WriteAllText(Path.Combine(_directory, $"agent{i + 1}.json"), AgentConfig(i, HttpHealth));
            www[i] = Directory.CreateDirectory(Path.Combine(_directory, $"www{i + 1}")).FullName;
            File.WriteAllText(Path.Combine(www[i], "index.html"), $"{HealthLab.Servers[i].Name}\n");
            // /healthz answers 500 while a file named "sick" exists beside it; every other path is served as a file.
            File.WriteAllText(Path.Combine(www[i], "router.php"),
                "<?php if ($_SERVER['REQUEST_URI'] === '/healthz') { http_response_code(file_exists(__DIR__ . '/sick') ? 500 : 200); echo \"ok\\n\"; return true; } return false;\n");
        }

        using var lab = new HealthLab();
        for (var i = 0; i < 2; i++)
        {
            lab.Start(HealthLab.Servers[i].Ns, $"php -S {HealthLab.Vip}:80 -t {www[i]} {www[i]}/router.php", $"{_directory}/php{i + 1}.log");
            lab.Start(HealthLab.Servers[i].Ns, $"{dotnet} {engine} agent --config {_directory}/agent{i + 1}.json", $"{_directory}/agent{i + 1}.log");
        }
        lab.Start(HealthLab.Mux, $"{dotnet} {engine} mux --config {_directory}/mux.json", $"{_directory}/mux.log");
        var mux = new ControlClient($"{_directory}/mux.sock");
        await Until(async () => (await Dips(mux)).All(d => d.Health == "up" && d.LastReportMs is not null), TimeSpan.FromSeconds(30), "both DIPs reporting up");

        var clock = Stopwatch.StartNew();
        File.WriteAllText(Path.Combine(www[1], "sick"), "");
        var down = await Measure(mux, "srv2", "down", clock);
        Assert.All(Enumerable.Range(0, 10).Select(_ => Get()), body => Assert.Equal("srv1", body));
        Assert.Contains("GET http://20.0.0.1:80/healthz: status 500, expected 200", File.ReadAllText($"{_directory}/agent2.log"));

        clock.Restart();
        File.Delete(Path.Combine(www[1], "sick"));
        var up = await Measure(mux, "srv2", "up", clock);
        Assert.Contains("srv2", Enumerable.Range(0, 16).Select(_ => Get()));
        output.WriteLine($"health URL 500 -> mux down: {down.TotalMilliseconds:0} ms; 200 again -> up: {up.TotalMilliseconds:0} ms");
    }

    [RootFact("it creates network namespaces")]
    public async Task A_dead_server_or_silent_agent_leaves_the_rotation_within_3s_and_returns_within_3s()
    {
        var engine = EngineBinary.Dll();
        var dotnet = EngineBinary.Dotnet;
        File.WriteAllText(Path.Combine(_directory, "mux.json"), MuxConfig());
        var www = new string[2];
        for (var i = 0; i < 2; i++)
        {
            File.WriteAllText(Path.Combine(_directory, $"agent{i + 1}.json"), AgentConfig(i));
            www[i] = Directory.CreateDirectory(Path.Combine(_directory, $"www{i + 1}")).FullName;
            File.WriteAllText(Path.Combine(www[i], "index.html"), $"{HealthLab.Servers[i].Name}\n");
        }

        using var lab = new HealthLab();
        Process StartPhp(int i) => lab.Start(HealthLab.Servers[i].Ns, $"php -S {HealthLab.Vip}:80 -t {www[i]}", $"{_directory}/php{i + 1}.log");
        Process StartAgent(int i) => lab.Start(HealthLab.Servers[i].Ns, $"{dotnet} {engine} agent --config {_directory}/agent{i + 1}.json", $"{_directory}/agent{i + 1}.log");
        var php = new[] { StartPhp(0), StartPhp(1) };
        var agents = new[] { StartAgent(0), StartAgent(1) };
        lab.Start(HealthLab.Mux, $"{dotnet} {engine} mux --config {_directory}/mux.json", $"{_directory}/mux.log");
        var mux = new ControlClient($"{_directory}/mux.sock");
        var agent2 = new ControlClient($"{_directory}/agent2.sock");

        // Both DIPs up and reporting.
        await Until(async () => (await Dips(mux)).All(d => d.Health == "up" && d.LastReportMs is not null), TimeSpan.FromSeconds(30), "both DIPs reporting up");
        var served = Enumerable.Range(0, 16).Select(_ => Get()).ToList();
        Assert.Contains("srv1", served);
        Assert.Contains("srv2", served);

        // 1. srv2's server dies.
        var clock = Stopwatch.StartNew(); // every bound is measured from the moment of the event (signal sent, process started)
        Assert.True(NetnsLab.Terminate(php[1], TimeSpan.FromSeconds(5)));
        var down = await Measure(mux, "srv2", "down", clock);
        Assert.All(Enumerable.Range(0, 20).Select(_ => Get()), body => Assert.Equal("srv1", body));
        var agentStats = await agent2.GetStatsAsync();
        Assert.False(agentStats.ServerHealthy);
        Assert.True(agentStats.HealthProbesFailed >= 2, $"probes failed: {agentStats.HealthProbesFailed}");
        var srv1 = (await Dips(mux)).Single(d => d.Name == "srv1");
        Assert.Equal(("up", "active"), (srv1.Health, srv1.State));

        // 2. It comes back.
        clock.Restart();
        php[1] = StartPhp(1);
        var up = await Measure(mux, "srv2", "up", clock);
        Assert.Contains("srv2", Enumerable.Range(0, 16).Select(_ => Get()));
        Assert.True((await agent2.GetStatsAsync()).ServerHealthy);

        // 3. The whole agent goes silent (its host could be gone): no report for dead_after => down.
        clock.Restart();
        Assert.True(NetnsLab.Terminate(agents[1], TimeSpan.FromSeconds(10)));
        var silent = await Measure(mux, "srv2", "down", clock);
        Assert.All(Enumerable.Range(0, 10).Select(_ => Get()), body => Assert.Equal("srv1", body));
        clock.Restart();
        agents[1] = StartAgent(1);
        var back = await Measure(mux, "srv2", "up", clock, TimeSpan.FromSeconds(3) + AgentStartup);

        // Stats, health command, metrics (control socket and HTTP inside the mux's namespace).
        var stats = await mux.GetStatsAsync();
        Assert.True(stats.HealthReports > 0);
        Assert.Equal(0, stats.HealthReportsRejected);
        using (var health = await mux.SendCheckedAsync("health"))
        {
            var dips = health.RootElement.GetProperty("dips").EnumerateArray().ToList();
            Assert.Equal(2, dips.Count);
            Assert.All(dips, d => Assert.Equal("up", d.GetProperty("health").GetString()));
        }
        var metrics = NetnsLab.Exec(HealthLab.Mux, $"curl -sS -m 5 http://127.0.0.1:{MetricsPort}/metrics");
        Assert.Contains("lbengine_dip_up{role=\"mux\",host=\"mux1\",dip=\"srv2\",address=\"10.61.4.2\"} 1\n", metrics);
        Assert.Contains("lbengine_health_reports_received_total{role=\"mux\",host=\"mux1\",result=\"accepted\"}", metrics);
        Assert.Contains("lbengine_server_healthy{role=\"agent\",host=\"srv2\"} 1\n", await agent2.GetMetricsAsync());
        var log = File.ReadAllText($"{_directory}/mux.log");
        Assert.Contains("DIP srv2 (10.61.4.2) is down: its agent reports the server unhealthy", log);
        Assert.Contains("DIP srv2 (10.61.4.2) is down: no report for", log);

        output.WriteLine($"server killed -> mux down: {down.TotalMilliseconds:0} ms; server restarted -> up: {up.TotalMilliseconds:0} ms; " +
                         $"agent SIGTERM -> down: {silent.TotalMilliseconds:0} ms; agent restarted -> up: {back.TotalMilliseconds:0} ms (includes the agent's start-up)");
    }

    /// <summary>A dotnet process needs a moment to start on a loaded machine before it can report at all.</summary>
    private static readonly TimeSpan AgentStartup = TimeSpan.FromSeconds(5);

    private static string Get() => NetnsLab.Exec(HealthLab.Client, $"curl -sS -m 5 http://{HealthLab.Vip}/index.html").Trim();

    private static async Task<IReadOnlyList<DipStats>> Dips(ControlClient mux)
    {
        try
        {
            return (await mux.GetStatsAsync()).Dips ?? [];
        }
        catch (ControlException)
        {
            return [];
        }
    }

    private async Task<TimeSpan> Measure(ControlClient mux, string dip, string health, Stopwatch clock, TimeSpan? bound = null)
    {
        await Until(async () => (await Dips(mux)).Any(d => d.Name == dip && d.Health == health), (bound ?? Bound) + TimeSpan.FromSeconds(2), $"{dip} {health}");
        var elapsed = clock.Elapsed;
        Assert.True(elapsed <= (bound ?? Bound), $"{dip} became {health} after {elapsed.TotalMilliseconds:0} ms, more than {(bound ?? Bound).TotalMilliseconds:0} ms");
        return elapsed;
    }

    private async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not reached within {timeout.TotalSeconds:0} s: {what}\nmux log:\n{Tail("mux.log")}\nagent2 log:\n{Tail("agent2.log")}");
            await Task.Delay(50);
        }
    }

    private string Tail(string log)
    {
        var path = Path.Combine(_directory, log);
        return File.Exists(path) ? string.Join('\n', File.ReadAllLines(path).TakeLast(15)) : "(none)";
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
