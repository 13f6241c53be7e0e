using Lb.Core.Stats;
using Lbdeploy.Commands;
using Lbdeploy.Common;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// `lbdeploy conns` on the course deployment with fake control sockets: the table of every mux (or one), the limit and
/// the line saying the list was cut, `--flow` asking every mux, and every bad argument a one-line refusal before
/// anything is asked.
/// </summary>
public sealed class ConnectionReaderTests
{
    private static readonly ConnectionRow Download = new("tcp", "10.3.0.2:40000", "20.0.0.1:80", "h14", "10.19.14.2", 4200, 100);

    private static async Task<(int Code, string Output)> RunAsync(FakeRunner rig, string? mux = null, string? limit = null, string? flow = null, bool json = false)
    {
        var output = new StringWriter();
        var code = await ConnsCommand.RunAsync(mux, limit, flow, json, output, rig.Environment, CancellationToken.None);
        return (code, output.ToString());
    }

    [Fact]
    public async Task Conns_prints_every_muxs_table_most_recent_first()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.Tables[rig.Socket("h1", "mux")] = [Download];

        var (code, output) = await RunAsync(rig);

        Assert.Equal(ExitCodes.Success, code);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal("mux h1: 1 live flow, most recently used first", lines[0]);
        Assert.Matches(@"^  proto +client +vip +dip +dip address +age +idle$", lines[1]);
        Assert.Matches(@"^  tcp +10\.3\.0\.2:40000 +20\.0\.0\.1:80 +h14 +10\.19\.14\.2 +4\.2s +0\.1s$", lines[2]);
        Assert.Equal("mux h2: 0 live flows", lines[3]);
        Assert.Contains($"conns {ConnectionDumpLimits.Default} {rig.Socket("h2", "mux")}", rig.Log.Entries);
    }

    [Fact]
    public async Task A_cut_list_says_so_and_json_carries_the_rows()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.Tables[rig.Socket("h2", "mux")] = [Download, Download with { Client = "10.3.0.2:40001" }, Download with { Client = "10.3.0.2:40002" }];

        var (_, text) = await RunAsync(rig, mux: "h2", limit: "2");
        var (_, json) = await RunAsync(rig, mux: "h2", limit: "2", json: true);

        Assert.StartsWith($"mux h2: 3 live flows; showing the 2 most recently used (cut at --limit 2, at most {ConnectionDumpLimits.Max})", text);
        Assert.DoesNotContain("mux h1", text);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var h2 = document.RootElement.GetProperty("muxes")[0];
        Assert.Equal(("h2", 3, true, 2), (h2.GetProperty("mux").GetString(), h2.GetProperty("live").GetInt32(), h2.GetProperty("truncated").GetBoolean(), h2.GetProperty("connections").GetArrayLength()));
        Assert.Equal("10.19.14.2", h2.GetProperty("connections")[0].GetProperty("dip_address").GetString());
    }

    [Fact]
    public async Task Flow_asks_every_mux_and_says_where_each_answer_comes_from()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.Tables[rig.Socket("h1", "mux")] = [Download];

        var (code, output) = await RunAsync(rig, flow: " tcp  10.3.0.2:40000 20.0.0.1:80 ");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal([
            "mux h1: tcp 10.3.0.2:40000 20.0.0.1:80 -> h14 (10.19.14.2) from its connection table (age 4.2s, idle 0.1s)",
            "mux h2: tcp 10.3.0.2:40000 20.0.0.1:80 -> h13 (10.19.13.2) by Maglev (not in its connection table: a new flow would go there)"],
            output.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Flow_names_the_second_chance_alternates_in_text_and_json()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var replaced = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
        rig.Engines.Alternates[rig.Socket("h2", "mux")] =
            [new FlowAlternate("h15", "10.20.15.2", replaced, 35000), new FlowAlternate(null, "10.20.17.2", replaced.AddSeconds(-60), 95000)];

        var (_, text) = await RunAsync(rig, flow: "tcp 10.3.0.2:40000 20.0.0.1:80");
        var (_, json) = await RunAsync(rig, flow: "tcp 10.3.0.2:40000 20.0.0.1:80", json: true);

        var lines = text.TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length); // h1 has none: no second line
        Assert.Equal("  second chance: a non-SYN segment also names h15 (10.20.15.2, table replaced 35.0s ago), 10.20.17.2 (no longer a DIP, table replaced 95.0s ago); " +
            "h13's agent passes it on when it does not hold the connection", lines[2]);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var muxes = document.RootElement.GetProperty("muxes");
        Assert.Equal(0, muxes[0].GetProperty("alternates").GetArrayLength());
        var first = muxes[1].GetProperty("alternates")[0];
        Assert.Equal(("h15", "10.20.15.2", "2026-12-05T10:00:00+00:00", 35000),
            (first.GetProperty("dip").GetString(), first.GetProperty("address").GetString(), first.GetProperty("replaced_at").GetString(), first.GetProperty("replaced_ms_ago").GetInt64()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, muxes[1].GetProperty("alternates")[1].GetProperty("dip").ValueKind);
    }

    [Fact]
    public async Task Traces_lookup_says_why_a_mux_cannot_be_asked_instead_of_failing()
    {
        using var rig = new FakeRunner();
        var flow = ConnectionReader.ParseFlow("tcp 10.3.0.2:40000 20.0.0.1:80");
        var reader = new ConnectionReader(rig.Environment);
        Assert.Equal((null, "nothing is applied in this state folder"), await reader.TryLookupAsync("h1", flow, rig.SpecPath, CancellationToken.None));

        await rig.ApplyAsync();
        rig.Engines.Alternates[rig.Socket("h1", "mux")] = [new FlowAlternate("h15", "10.20.15.2", DateTimeOffset.UnixEpoch, 1000)];
        var (lookup, why) = await reader.TryLookupAsync("h1", flow, rig.SpecPath, CancellationToken.None);
        Assert.Null(why);
        Assert.Equal(("h13", "h15"), (lookup!.Dip, lookup.Alternates.Single().Dip));
        Assert.Contains("not this spec", (await reader.TryLookupAsync("h1", flow, rig.SpecPath + ".other", CancellationToken.None)).Unavailable);
        rig.Engines.Silence(rig.Socket("h2", "mux"));
        Assert.StartsWith("mux h2 did not answer: ", (await reader.TryLookupAsync("h2", flow, rig.SpecPath, CancellationToken.None)).Unavailable);
        rig.Processes.Kill(rig.Unit(UnitKind.Mux, "h1").Pid!.Value);
        Assert.Equal("mux h1 is not running", (await reader.TryLookupAsync("h1", flow, rig.SpecPath, CancellationToken.None)).Unavailable);
    }

    [Theory]
    [InlineData(null, null, "tcp 10.3.0.2:40000", "conns: --flow 'tcp 10.3.0.2:40000': a flow is 3 words, not 2: PROTO SRC:PORT DST:PORT")]
    [InlineData(null, null, "sctp 10.3.0.2:1 20.0.0.1:80", "conns: --flow 'sctp 10.3.0.2:1 20.0.0.1:80': protocol 'sctp' is not tcp or udp")]
    [InlineData(null, null, "tcp 10.3.0.2:99999 20.0.0.1:80", "conns: --flow 'tcp 10.3.0.2:99999 20.0.0.1:80': source '10.3.0.2:99999' is not ADDRESS:PORT")]
    [InlineData(null, null, "tcp 10.3.0.2:1 20.0.0.1:0", "conns: --flow 'tcp 10.3.0.2:1 20.0.0.1:0': destination port 0 is not a port")]
    [InlineData(null, null, "tcp 10.3.0.2:1\u001b[2J 20.0.0.1:80", "conns: --flow 'tcp 10.3.0.2:1\\x1b[2J 20.0.0.1:80' holds a control character")]
    [InlineData(null, "0", null, "conns: --limit '0' is not a row count; use a whole number in 1..10000 (default 100)")]
    [InlineData(null, "10001", null, "conns: --limit '10001' is not a row count")]
    [InlineData(null, "many", null, "conns: --limit 'many' is not a row count")]
    [InlineData(null, "5", "tcp 10.3.0.2:1 20.0.0.1:80", "conns: --limit is for the table and --flow asks about one flow; give one of them")]
    [InlineData("h13", null, null, "conns: --mux 'h13' is not a mux of the applied plan (lb.yaml); its muxes: h1, h2")]
    [InlineData("h1 h2", null, null, "conns: --mux 'h1 h2' is not valid: ")]
    public async Task Bad_arguments_are_one_line_and_nothing_is_asked(string? mux, string? limit, string? flow, string message)
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var calls = rig.Log.Entries.Count;

        var e = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, mux, limit, flow));

        Assert.StartsWith(message, e.Message.Replace(rig.SpecPath, "lb.yaml"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(calls, rig.Log.Entries.Count);
    }

    [Fact]
    public async Task A_mux_that_is_not_running_or_silent_is_named()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.Silence(rig.Socket("h2", "mux"));

        var silent = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig));
        Assert.StartsWith($"conns --limit {ConnectionDumpLimits.Default}: mux h2 did not answer (no engine answers on ", silent.Message);
        Assert.Equal(ExitCodes.Success, (await RunAsync(rig, mux: "h1")).Code); // the other mux still answers alone

        var pid = rig.Unit(UnitKind.Mux, "h1").Pid!.Value;
        rig.Processes.Kill(pid);
        var dead = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, mux: "h1", flow: "udp 10.3.0.2:5 20.0.0.1:53"));
        Assert.Equal($"conns --flow 'udp 10.3.0.2:5 20.0.0.1:53': mux h1 is not running (pid {pid}); nothing was sent; run lbdeploy apply to restart it, then conns again", dead.Message);
    }
}
