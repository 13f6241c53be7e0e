using Lbdeploy.Common;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// verify's frr rows on examples/fattree-frr.yaml (muxes h1 and h2, each with one session, to t1): "bgp sessions" and
/// one "announce MUX" row per mux session, read from FRR 8.4-shaped replies through a fake shell.
/// </summary>
public sealed class BgpVerifierTests : IDisposable
{
    private const string Vip = "20.0.0.1/32";

    private readonly FakeRunner rig = new(FakeRunner.FrrSpec);

    public void Dispose() => rig.Dispose();

    private static string AdvertisedTo(string peerAddress) => $"show bgp ipv4 unicast neighbors {peerAddress} advertised-routes json";

    /// <summary>h1 and h2 each advertise <paramref name="prefixes"/> to t1.</summary>
    private void MuxesAdvertise(params string[] prefixes)
    {
        rig.AnswerBgp("h1", AdvertisedTo("10.13.1.1"), BgpSamples.Advertised("10.13.1.2", 4200000000, prefixes));
        rig.AnswerBgp("h2", AdvertisedTo("10.13.2.1"), BgpSamples.Advertised("10.13.2.2", 4200000001, prefixes));
    }

    private Task<IReadOnlyList<VerifyCheck>> CheckAsync() => BgpVerifier.CheckAsync(rig.Plan, rig.Shell);

    [Fact]
    public async Task A_converged_fabric_passes_the_sessions_row_and_one_announce_row_per_mux_session()
    {
        MuxesAdvertise(Vip);

        var checks = await CheckAsync();

        Assert.Equal(
            [
                new VerifyCheck("bgp sessions", true, "68/68 planned session ends established on 22 routers"),
                new VerifyCheck("announce h1", true, "h1 announces 20.0.0.1/32 to t1 (10.13.1.1)"),
                new VerifyCheck("announce h2", true, "h2 announces 20.0.0.1/32 to t1 (10.13.2.1)"),
            ],
            checks);
        // Asked of each mux's own FRR, about its session to t1.
        Assert.Contains(rig.Shell.Calls, c => c.Host == "h2" && c.Command == FrrCommands.Show(rig.RuntimeDirectory("h2"), AdvertisedTo("10.13.2.1")));
    }

    [Fact]
    public async Task A_mux_that_does_not_advertise_the_VIP_fails_its_row_only()
    {
        MuxesAdvertise(Vip);
        rig.AnswerBgp("h2", AdvertisedTo("10.13.2.1"), BgpSamples.Advertised("10.13.2.2", 4200000001, "20.0.0.2/32"));

        var checks = await CheckAsync();

        Assert.Equal([true, true, false], checks.Select(c => c.Passed));
        Assert.Equal(
            "h2 does not announce 20.0.0.1/32 to t1 (10.13.2.1); its gate announces a mux only while its engine answers healthy (log h2-gate.log in the state folder's logs)",
            checks[2].Detail);
    }

    [Fact]
    public async Task A_down_session_fails_the_sessions_row_naming_it()
    {
        MuxesAdvertise(Vip);
        var last = rig.Plan.Bgp!.Speaker("c4").Neighbors[^1];
        rig.AnswerBgp("c4", BgpNodeSummary.Command, BgpSamples.Summary(rig.Plan.Bgp!, "c4", n => n == last ? "Connect" : "Established"));

        var sessions = (await CheckAsync())[0];

        Assert.False(sessions.Passed);
        Assert.Equal($"67/68 planned session ends established; not up: c4-{last.Peer} ({last.PeerAddress}): Connect", sessions.Detail);
    }

    [Fact]
    public async Task A_failing_vtysh_fails_the_announce_row_with_its_error_escaped()
    {
        MuxesAdvertise(Vip);
        rig.Shell.Fail("h1", "advertised-routes", "% Unknown command\u001b[2J\nbgpd is not running\n");

        var checks = await CheckAsync();

        var h1 = checks.Single(c => c.Name == "announce h1");
        Assert.False(h1.Passed);
        Assert.Equal(@"vtysh failed on h1: % Unknown command\x1b[2J\nbgpd is not running", h1.Detail);
        Assert.False(TerminalText.HasControl(h1.Detail));
        Assert.True(checks.Single(c => c.Name == "announce h2").Passed);
    }

    [Fact]
    public async Task A_plan_without_a_BGP_design_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => BgpVerifier.CheckAsync(rig.Plan with { Bgp = null }, rig.Shell));
    }

    [Fact]
    public void Advertises_finds_the_prefix_among_FRRs_advertised_routes()
    {
        Assert.True(BgpVerifier.Advertises(BgpSamples.Advertised("10.13.1.2", 4200000000, "20.0.0.1/32"), Vip));
        Assert.True(BgpVerifier.Advertises(BgpSamples.Advertised("10.13.1.2", 4200000000, "10.0.0.0/8", "20.0.0.1/32"), Vip));
    }

    [Theory]
    [InlineData("20.0.0.2/32")]
    [InlineData("20.0.0.0/24")]
    public void Advertises_wants_that_exact_prefix(string advertised)
    {
        Assert.False(BgpVerifier.Advertises(BgpSamples.Advertised("10.13.1.2", 4200000000, advertised), Vip));
    }

    [Theory]
    [InlineData("{}")] // nothing advertised (or the session is not up)
    [InlineData("""{"advertisedRoutes":{}}""")]
    [InlineData("""{"advertisedRoutes":["20.0.0.1/32"]}""")]
    [InlineData("""{"routes":{"20.0.0.1/32":{}}}""")]
    [InlineData("""{"warning":"No such neighbor or address family"}""")]
    [InlineData("""[{"advertisedRoutes":{"20.0.0.1/32":{}}}]""")]
    [InlineData("% Unknown command: show bgp ipv4 unicast neighbors 10.13.1.1 advertised-routes json")]
    [InlineData("")]
    [InlineData("{\"advertisedRoutes\":{\"20.0.0.1/32\":")] // cut off
    public void Advertises_is_false_for_anything_else(string json)
    {
        Assert.False(BgpVerifier.Advertises(json, Vip));
    }
}
