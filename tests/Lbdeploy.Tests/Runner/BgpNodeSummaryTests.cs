using System.Text.Json.Nodes;
using Lbdeploy.Common;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>Reading FRR 8.4's `show bgp summary json` (shapes of bgpd 8.4: see <see cref="BgpSamples"/>).</summary>
public sealed class BgpNodeSummaryTests
{
    /// <summary>t1 of the course fat tree: AS 4200000006 (above int.MaxValue), one session up, one coming up.</summary>
    private static string T1(string secondState = "Active") => BgpSamples.Family("10.13.1.1", 4200000006, new JsonObject
    {
        ["10.13.1.2"] = BgpSamples.Peer("Established", 4200000000, 4200000006, "h1 via t1-eth1", prefixesReceived: 1),
        ["20.13.1.2"] = BgpSamples.Peer(secondState, 4200000002, 4200000006, "a1 via t1-eth3"),
    }).ToJsonString();

    [Fact]
    public void An_FRR_summary_gives_the_local_AS_and_every_peer_with_its_state_counters_and_uptime()
    {
        var summary = BgpNodeSummary.Parse("t1", T1());

        Assert.Null(summary.Error);
        Assert.Equal("t1", summary.Node);
        Assert.Equal(4200000006L, summary.LocalAs);
        Assert.Equal(
            [new BgpPeerState("10.13.1.2", 4200000000, "Established", 1, "00:00:10"), new BgpPeerState("20.13.1.2", 4200000002, "Active", 0, "never")],
            summary.Peers.ToArray());
        Assert.Equal(1, summary.Established);
        Assert.True(summary.Peer("10.13.1.2")!.IsEstablished);
        Assert.Null(summary.Peer("10.13.1.1")); // t1's own address on that link is not a peer
    }

    [Theory]
    [InlineData("Active")]
    [InlineData("Connect")]
    [InlineData("OpenSent")]
    [InlineData("OpenConfirm")]
    [InlineData("Idle")]
    [InlineData("Idle (Admin)")]
    [InlineData("established")] // FRR spells it with a capital; anything else is not up
    public void Only_the_Established_state_counts_as_up(string state)
    {
        var summary = BgpNodeSummary.Parse("t1", T1(state));

        var peer = summary.Peer("20.13.1.2")!;
        Assert.Equal(state, peer.State);
        Assert.False(peer.IsEstablished);
        Assert.Equal(1, summary.Established);
    }

    [Theory]
    [InlineData("{}")] // bgpd with no activated IPv4 neighbor prints an empty object
    [InlineData("""{"ipv6Unicast":{"routerId":"10.13.1.1","as":4200000006,"peers":{"fe80::1":{"state":"Established"}}}}""")]
    [InlineData("""{"ipv4Unicast":{"routerId":"10.13.1.1","as":4200000006}}""")]
    public void A_reply_without_IPv4_peers_has_none_and_is_no_error(string json)
    {
        var summary = BgpNodeSummary.Parse("t1", json);

        Assert.Null(summary.Error);
        Assert.Empty(summary.Peers);
        Assert.Equal(0, summary.Established);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"Established\"")]
    [InlineData("42")]
    public void A_reply_that_is_JSON_but_not_an_object_is_an_error(string json)
    {
        var summary = BgpNodeSummary.Parse("t1", json);

        Assert.Equal("not a JSON object", summary.Error);
        Assert.Empty(summary.Peers);
    }

    [Theory]
    [InlineData("% Unknown command: show bgp summary json")]
    [InlineData("")]
    [InlineData("{\"ipv4Unicast\":{\"peers\":{\"20.13.1.2\":{\"state\":\"Established\"}")] // cut off mid-reply
    [InlineData("BGP instance not found\n{}")]
    public void A_reply_that_is_not_JSON_is_an_error_never_an_exception(string text)
    {
        var summary = BgpNodeSummary.Parse("t1", text);

        Assert.StartsWith("unreadable reply (", summary.Error);
        Assert.Empty(summary.Peers);
    }

    [Fact]
    public void A_garbage_reply_with_terminal_escapes_gives_an_error_without_them()
    {
        var summary = BgpNodeSummary.Parse("t1", "\u001b[2J\u001b]0;owned\u0007");

        Assert.NotNull(summary.Error);
        Assert.False(TerminalText.HasControl(summary.Error), summary.Error);
    }

    [Fact]
    public void Peer_names_and_states_keep_their_unicode_and_JSON_escapes_decoded()
    {
        // An unnumbered session is keyed by interface name; a name or state may hold any character.
        const string Json = """
            {"ipv4Unicast":{"as":65001,"peers":{
              "sw\u00e9p1":{"remoteAs":65002,"state":"Established","pfxRcd":2,"peerUptime":"01:02:03","idType":"interface"},
              "eth\"0\\":{"remoteAs":65003,"state":"Idle\u001b[31m","idType":"interface"},
              "10.0.0.9":"not an object"}}}
            """;

        var summary = BgpNodeSummary.Parse("s1", Json);

        Assert.Null(summary.Error);
        Assert.Equal(["swép1", "eth\"0\\"], summary.Peers.Select(p => p.Address)); // the non-object entry is skipped
        Assert.Equal(2, summary.Peer("swép1")!.PrefixesReceived);
        Assert.Equal("Idle\u001b[31m", summary.Peer("eth\"0\\")!.State);
        Assert.False(summary.Peer("eth\"0\\")!.IsEstablished);
    }

    [Fact]
    public void Values_of_the_wrong_type_read_as_missing()
    {
        const string Json = """{"ipv4Unicast":{"as":"4200000006","peers":{"20.13.1.2":{"remoteAs":"external","state":1,"pfxRcd":2.5,"peerUptime":null}}}}""";

        var peer = Assert.Single(BgpNodeSummary.Parse("t1", Json).Peers);

        Assert.Equal(new BgpPeerState("20.13.1.2", 0, "unknown", 0, ""), peer);
        Assert.Equal(0, BgpNodeSummary.Parse("t1", Json).LocalAs);
    }
}
