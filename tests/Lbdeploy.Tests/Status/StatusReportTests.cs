using System.Text.Json;
using Lb.Core.Stats;
using Lbdeploy.Commands;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Status;

namespace Lbdeploy.Tests.Status;

/// <summary>
/// `lbdeploy status` from stats documents (no engine): the second chance's redirections per DIP (agent stats) and the
/// muxes' marked packets and pool versions, in text and JSON, and nothing of it while the second chance is off.
/// </summary>
public sealed class StatusReportTests
{
    private static EngineStats Stats(string role, string host, SecondChanceStats? secondChance = null, IReadOnlyList<DipStats>? dips = null) => new()
    {
        Role = role, Host = host, Pid = 100, UptimeSeconds = 12, Interface = $"{host}-eth0", Address = "10.0.0.1",
        Drops = new Dictionary<string, long>(), Vips = [], Dips = dips, SecondChance = secondChance,
    };

    private static readonly IReadOnlyList<DipStats> Pool =
        [new("h13", "10.19.13.2", 1, "active", 0, 0, 30, 3), new("h14", "10.19.14.2", 1, "active", 0, 0, 10, 1)];

    private static AppliedUnit Unit(UnitKind kind, string host) => new() { Kind = kind, Host = host, Hash = "x" };

    private static StatusReport Report(bool secondChance)
    {
        var mux = Stats("mux", "h1", secondChance ? new SecondChanceStats(Marked: 7, PoolVersions: 2, PoolBytes: 524296) : null, Pool);
        var muxOff = Stats("mux", "h2", dips: Pool);
        var agents = new Dictionary<string, EngineStats?>(StringComparer.Ordinal)
        {
            ["h13"] = Stats("agent", "h13", secondChance ? new SecondChanceStats(RedirectedOut: 5, RedirectedIn: 2, Peers: []) : null),
            ["h14"] = null, // silent
        };
        var engines = new List<EngineRow>
        {
            EngineRow.Of(Unit(UnitKind.Mux, "h1"), mux, mux, null, 1),
            EngineRow.Of(Unit(UnitKind.Mux, "h2"), muxOff, muxOff, null, 1),
            EngineRow.Of(Unit(UnitKind.Agent, "h13"), agents["h13"], agents["h13"], null, 1),
        };
        return new StatusReport("2026-12-05 10:00:00", "lb.yaml", 1, engines, DipRow.Of([mux, muxOff], agents), null, []);
    }

    [Fact]
    public void With_the_second_chance_the_dips_show_redirections_and_the_muxes_marked_packets()
    {
        var report = Report(secondChance: true);

        Assert.Equal((7L, 2), (report.Engines[0].SecondChanceMarked!.Value, report.Engines[0].PoolVersions!.Value));
        Assert.Null(report.Engines[2].SecondChanceMarked); // an agent marks nothing
        Assert.Equal((5L, 2L), (report.Dips[0].RedirectedOut!.Value, report.Dips[0].RedirectedIn!.Value));
        Assert.Null(report.Dips[1].RedirectedOut);

        var text = TemplateRenderer.Render("status.txt.sbn", report);
        Assert.Contains("  second chance: mux h1 marked 7 (2 pool versions), mux h2 off\n", text);
        Assert.Matches(@"\n  dip +address +health +weight +state +flows +share +active +redir out +redir in\n", text);
        Assert.Matches(@"\n  h13 +10\.19\.13\.2 +- +1 +active +60 +75\.0% +6 +5 +2\n", text);
        Assert.Matches(@"\n  h14 +10\.19\.14\.2 +- +1 +active +20 +25\.0% +2 +- +-\n", text);

        var output = new StringWriter();
        JsonOutput.Write(output, CommandRunner.Success, report);
        using var json = JsonDocument.Parse(output.ToString());
        var h1 = json.RootElement.GetProperty("engines")[0];
        Assert.Equal((7, 2), (h1.GetProperty("second_chance_marked").GetInt64(), h1.GetProperty("pool_versions").GetInt32()));
        var h13 = json.RootElement.GetProperty("dips")[0];
        Assert.Equal((5, 2), (h13.GetProperty("redirected_out").GetInt64(), h13.GetProperty("redirected_in").GetInt64()));
    }

    [Fact]
    public void Without_the_second_chance_the_text_is_as_before()
    {
        var report = Report(secondChance: false);

        Assert.False(report.SecondChance);
        var text = TemplateRenderer.Render("status.txt.sbn", report);
        Assert.DoesNotContain("second chance", text);
        Assert.DoesNotContain("redir", text);
        var silent = report with { Dips = [report.Dips[0] with { RedirectedOut = 0, RedirectedIn = 0 }], Engines = [report.Engines[0] with { Error = "not running (pid 100)" }] };
        Assert.Contains("  second chance: mux h1 no stats\n", TemplateRenderer.Render("status.txt.sbn", silent));
        Assert.Matches(@"\n  h13 +10\.19\.13\.2 +- +1 +active +60 +75\.0% +6\n", text);
    }
}
