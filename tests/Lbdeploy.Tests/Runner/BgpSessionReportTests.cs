using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// Every planned session end of examples/fattree-frr.yaml (34 eBGP sessions, 22 routers) against what each router's
/// FRR answers to `show bgp summary json` through a fake shell.
/// </summary>
public sealed class BgpSessionReportTests : IDisposable
{
    private readonly FakeRunner rig = new(FakeRunner.FrrSpec);

    public void Dispose() => rig.Dispose();

    private Task<BgpSessionReport> ReadAsync() => BgpSessionReport.ReadAsync(rig.Plan, rig.Shell, CancellationToken.None);

    /// <summary>t1's summary with its session to <paramref name="peer"/> in <paramref name="state"/>.</summary>
    private void T1With(string peer, string state) =>
        rig.AnswerBgp("t1", BgpNodeSummary.Command, BgpSamples.Summary(rig.Plan.Bgp!, "t1", n => n.Peer == peer ? state : "Established"));

    [Fact]
    public async Task With_every_session_established_it_reads_each_router_once_through_its_own_sockets()
    {
        var report = await ReadAsync();

        Assert.True(report.AllEstablished);
        Assert.Equal(68, report.Planned);
        Assert.Equal(68, report.Established);
        Assert.Equal("68/68 planned session ends established on 22 routers", report.Describe());
        var asked = rig.Shell.Calls.Where(c => c.Command.Contains(BgpNodeSummary.Command, StringComparison.Ordinal)).ToList();
        Assert.Equal(
            rig.Plan.Routers.Select(r => (r.Node, FrrCommands.Show(rig.RuntimeDirectory(r.Node), BgpNodeSummary.Command))).Order(),
            asked.Select(c => (c.Host, c.Command)).Order());
    }

    [Fact]
    public async Task One_end_down_is_named_with_its_node_peer_address_and_state()
    {
        T1With("h1", "Active");

        var report = await ReadAsync();

        Assert.False(report.AllEstablished);
        var down = Assert.Single(report.Down);
        Assert.Equal(new DownSession("t1", "h1", "10.13.1.2", "Active"), down);
        Assert.Equal("67/68 planned session ends established; not up: t1-h1 (10.13.1.2): Active", report.Describe());
    }

    [Fact]
    public async Task A_planned_peer_the_router_does_not_list_is_not_configured()
    {
        // t1's FRR runs an old config that has no session to h2 (an address of another peer instead).
        var t1 = rig.Plan.Bgp!.Speaker("t1");
        var design = rig.Plan.Bgp! with
        {
            Speakers = [.. rig.Plan.Bgp!.Speakers.Select(s => s.Name == "t1" ? s with { Neighbors = [.. t1.Neighbors.Where(n => n.Peer != "h2")] } : s)],
        };
        rig.AnswerBgp("t1", BgpNodeSummary.Command, BgpSamples.Summary(design, "t1"));

        var report = await ReadAsync();

        Assert.Equal(new DownSession("t1", "h2", "10.13.2.2", "not configured"), Assert.Single(report.Down));
    }

    [Fact]
    public async Task A_router_whose_vtysh_fails_has_every_session_end_down_with_the_escaped_error()
    {
        rig.Shell.Fail("a1", BgpNodeSummary.Command, "\u001b[31mbgpd is not running\u001b[0m\n");

        var report = await ReadAsync();

        var a1Peers = rig.Plan.Bgp!.Speaker("a1").Neighbors.Select(n => n.Peer).ToList();
        Assert.Equal(4, a1Peers.Count);
        Assert.Equal(a1Peers, report.Down.Select(d => d.Peer));
        Assert.All(report.Down, d => Assert.Equal(("a1", @"vtysh failed: \x1b[31mbgpd is not running\x1b[0m"), (d.Node, d.State)));
        Assert.StartsWith(@"64/68 planned session ends established; not up: a1-c1 (20.1.9.2): vtysh failed: \x1b[31mbgpd", report.Describe());
        Assert.Equal("vtysh failed: \\x1b[31mbgpd is not running\\x1b[0m", report.Nodes.Single(n => n.Node == "a1").Error);
    }

    [Fact]
    public async Task A_state_FRR_reports_reaches_the_description_without_terminal_escapes()
    {
        T1With("a1", "Idle\u001b]0;owned\u0007");

        var report = await ReadAsync();

        Assert.False(TerminalText.HasControl(report.Describe()), report.Describe());
        Assert.Contains(@"t1-a1 (20.13.1.2): Idle\x1b]0;owned\x07", report.Describe());
    }

    [Fact]
    public async Task The_description_shows_the_first_few_down_ends_and_marks_the_rest()
    {
        rig.Shell.Fail("a1", BgpNodeSummary.Command, "no bgpd");
        rig.Shell.Fail("a2", BgpNodeSummary.Command, "no bgpd");

        var report = await ReadAsync();

        Assert.Equal(8, report.Down.Length);
        Assert.EndsWith(", ...", report.Describe());
        Assert.Equal(6, report.Describe().Split("vtysh failed").Length - 1);
        Assert.Equal(8, report.Describe(show: 8).Split("vtysh failed").Length - 1);
        Assert.DoesNotContain("...", report.Describe(show: 8));
    }

    [Fact]
    public async Task A_plan_of_another_target_has_no_sessions_to_read()
    {
        var linux = rig.Plan with { Bgp = null };

        await Assert.ThrowsAsync<ArgumentException>(() => BgpSessionReport.ReadAsync(linux, rig.Shell, CancellationToken.None));
    }
}
