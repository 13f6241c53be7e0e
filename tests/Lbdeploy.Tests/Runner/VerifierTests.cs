using Lb.Core.Stats;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>Verify's rows from what the nodes and engines answer (fake shell and control sockets, no mininet).</summary>
public sealed class VerifierTests
{
    private const string Url = "http://20.0.0.1/streaming.html";

    /// <summary>An applied course deployment whose engines carry verify's traffic, except to <paramref name="idleDip"/>.</summary>
    private static async Task<FakeRunner> DeployedAsync(string? idleDip = null)
    {
        var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.Stats = Traffic(rig, idleDip);
        return rig;
    }

    /// <summary>Before verify's traffic (call 0) nothing; after it every mux forwarded and every DIP but <paramref name="idleDip"/> got flows.</summary>
    private static Func<string, int, EngineStats> Traffic(FakeRunner rig, string? idleDip) => (socket, call) =>
    {
        var name = Path.GetFileNameWithoutExtension(socket);
        var host = name[..name.IndexOf('-')];
        var after = call > 0;
        var engine = new EngineStats
        {
            Role = name.EndsWith("-mux", StringComparison.Ordinal) ? "mux" : "agent",
            Host = host,
            Pid = 1,
            UptimeSeconds = 30,
            Interface = host + "-eth0",
            Address = rig.Plan.Fabric.Hosts.Single(h => h.Name == host).Address.Address.ToString(),
            Drops = new Dictionary<string, long>(),
            Vips = [],
        };
        return engine.Role == "mux"
            ? engine with
            {
                PacketsIn = after ? 200 : 0,
                Forwarded = after ? 200 : 0,
                DsrViolations = 0,
                Dips = [.. rig.Plan.Dips.Select(d => new DipStats(d.Host, d.Address.ToString(), d.Weight, "active", 0, 0, after && d.Host != idleDip ? 12 : 0, 0, "up", 20))],
            }
            : engine with { Forwarded = after && host != idleDip ? 100 : 0 };
    };

    private static async Task<IReadOnlyList<VerifyCheck>> VerifyAsync(FakeRunner rig) =>
        await new Verifier(rig.Plan, rig.Network, rig.Environment).RunAsync();

    private static VerifyCheck Row(IReadOnlyList<VerifyCheck> checks, string name) => checks.Single(c => c.Name == name);

    [Fact]
    public async Task A_healthy_deployment_passes_every_check()
    {
        using var rig = await DeployedAsync();

        var checks = await VerifyAsync(rig);

        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
        Assert.Equal($"the running network matches {rig.Plan.SpecPath} (34 units)", Row(checks, "deployment").Detail);
        Assert.Equal("240/240 host pairs answer", Row(checks, "pingall").Detail);
        Assert.Equal($"5/5 GET {Url} == streaming.html (sha256 {rig.ExpectedPageHash()[..12]})", Row(checks, "http h3").Detail);
        Assert.Equal(["h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10", "h11", "h12"], checks.Where(c => c.Name.StartsWith("ping-vip ", StringComparison.Ordinal)).Select(c => c.Name[9..]));
        Assert.Equal("96 new flows: h13 24, h14 24, h15 24, h16 24 (weights 1/1/1/1)", Row(checks, "split dips").Detail);
        Assert.StartsWith($"pid {rig.Store.Load()!.Watcher!.Pid}, muxes up: h1, h2", Row(checks, "watcher").Detail);
    }

    [Fact]
    public async Task A_dip_that_served_nothing_fails_its_traffic_row_and_the_split()
    {
        using var rig = await DeployedAsync(idleDip: "h16");

        var checks = await VerifyAsync(rig);

        Assert.Equal(new VerifyCheck("traffic dip h16", false, "0 packets delivered during verify"), Row(checks, "traffic dip h16"));
        Assert.False(Row(checks, "split dips").Passed);
        Assert.Equal("72 new flows: h13 24, h14 24, h15 24, h16 0 (weights 1/1/1/1)", Row(checks, "split dips").Detail);
        Assert.Equal(["split dips", "traffic dip h16"], checks.Where(c => !c.Passed).Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_client_whose_GETs_failed_is_named_with_the_error_it_saw()
    {
        using var rig = await DeployedAsync();
        rig.Shell.Answer((host, command) => host == "h5" && command.Contains("fetch-hashes.sh", StringComparison.Ordinal)
            ? new ShellResult(host, command, 0, $"{rig.ExpectedPageHash()}  -\nfailed\n{rig.ExpectedPageHash()}  -\nfailed\nfailed\n",
                "failed: Connection timed out. \nRead error at byte 0/120 (Connection reset by peer). Giving up. \nfailed: Connection timed out. \n")
            : null);

        var checks = await VerifyAsync(rig);

        Assert.Equal(new VerifyCheck("http h5", false,
            $"2/5 GET {Url} matched streaming.html: failed: Connection timed out. (x2); Read error at byte 0/120 (Connection reset by peer). Giving up."), Row(checks, "http h5"));
        Assert.Equal(["http h5"], checks.Where(c => !c.Passed).Select(c => c.Name));
    }

    [Fact]
    public async Task Pingall_names_the_pairs_that_did_not_answer()
    {
        using var rig = await DeployedAsync();
        var h13 = rig.Plan.Fabric.Hosts.Single(h => h.Name == "h13").Address.Address.ToString();
        rig.Shell.Answer((host, command) => host == "h5" && command.Contains("ping-all.sh", StringComparison.Ordinal)
            ? new ShellResult(host, command, 0, string.Concat(command.Split(' ').Skip(2).Select(a => a == h13 ? $"fail {a}\n" : $"ok {a}\n")), "")
            : null);

        var checks = await VerifyAsync(rig);

        Assert.Equal(new VerifyCheck("pingall", false, "239/240 host pairs answer; no answer: h5->h13"), Row(checks, "pingall"));
    }

    [Fact]
    public async Task A_watcher_that_is_not_running_fails_its_row()
    {
        using var rig = await DeployedAsync();
        var watcher = rig.Store.Load()!.Watcher!;
        rig.Processes.Kill(watcher.Pid);

        var checks = await VerifyAsync(rig);

        Assert.Equal(new VerifyCheck("watcher", false, $"the mux watcher is not running (pid {watcher.Pid}; log {rig.Paths.WatcherLog}); run lbdeploy apply"), Row(checks, "watcher"));
    }

    [Fact]
    public async Task A_watcher_that_stopped_finishing_rounds_fails_its_row()
    {
        using var rig = await DeployedAsync();
        var watcher = rig.Store.Load()!.Watcher!;
        rig.Time.Advance(Verifier.WatcherRoundAge + TimeSpan.FromSeconds(1));

        var checks = await VerifyAsync(rig);

        Assert.Equal(new VerifyCheck("watcher", false, $"pid {watcher.Pid} runs but has not finished a round for 6 s; log {rig.Paths.WatcherLog}"), Row(checks, "watcher"));
    }

    [Fact]
    public async Task An_engine_that_does_not_answer_fails_its_health_row_with_the_reason()
    {
        using var rig = await DeployedAsync();
        var socket = rig.Socket("h14", "agent");
        rig.Engines.Silence(socket);

        var checks = await VerifyAsync(rig);

        var row = Row(checks, "health agent h14");
        Assert.False(row.Passed);
        Assert.StartsWith($"no engine answers on {socket}", row.Detail);
        Assert.DoesNotContain(checks, c => c.Name == "traffic dip h14");
    }

    [Fact]
    public async Task Nothing_applied_fails_the_deployment_row_and_skips_the_engines()
    {
        using var rig = new FakeRunner();

        var checks = await VerifyAsync(rig);

        Assert.Equal(new VerifyCheck("deployment", false, "nothing is applied to the running network; run lbdeploy apply"), checks[0]);
        Assert.DoesNotContain(checks, c => c.Name.StartsWith("health ", StringComparison.Ordinal) || c.Name == "watcher");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_dip_down_at_the_end_is_read_again_after_a_settle_and_only_one_still_down_fails(bool recovers)
    {
        using var rig = await DeployedAsync();
        var traffic = Traffic(rig, idleDip: null);
        rig.Engines.Stats = (socket, call) =>
        {
            var stats = traffic(socket, call);
            var down = call == 1 || (call >= 2 && !recovers);
            return stats.Dips is null || !down ? stats
                : stats with { Dips = [.. stats.Dips.Select(d => d.Name == "h15" ? d with { Health = "down" } : d)] };
        };

        var verify = VerifyAsync(rig);
        while (!verify.IsCompleted)
        {
            rig.Time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5);
        }
        var row = Row(await verify, "health dip h15");

        Assert.Equal(recovers, row.Passed);
        if (recovers) Assert.EndsWith("it flapped: DOWN on h1, h2 a moment before, check its agent log", row.Detail);
        else Assert.StartsWith("DOWN on h1, h2: its server fails the agent's probe", row.Detail);
        Assert.True(Row(await verify, "health dip h14").Passed);
    }
}
