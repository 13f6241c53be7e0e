using Lb.Core.Addressing;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner;

/// <summary>`ip -j route show` into <see cref="SwitchFib"/>: the real samples, FRR's shapes, and input that is not a table.</summary>
public sealed class SwitchFibTests
{
    private static SwitchFib Parse(string text)
    {
        Assert.True(SwitchFib.TryParse(text, out var fib, out var error), error);
        return fib;
    }

    private static string ParseError(string text)
    {
        Assert.False(SwitchFib.TryParse(text, out _, out var error));
        return error;
    }

    private static KernelRoute Only(SwitchFib fib, string prefix) => Assert.Single(fib.Routes, r => r.Destination == Ipv4Prefix.Parse(prefix));

    [Fact]
    public void The_linux_sample_of_t1_reads_as_connected_host_and_multipath_routes()
    {
        var fib = Parse(FibSamples.Of("t1"));

        Assert.Equal(21, fib.Routes.Length);
        var connected = Only(fib, "10.13.1.0/24");
        Assert.Equal(("unicast", "kernel", "link", 0L), (connected.Type, connected.Protocol, connected.Scope, connected.Metric));
        Assert.Equal([new KernelNextHop(null, "t1-eth1")], connected.NextHops.ToArray());
        Assert.True(connected.IsConnected);

        var host = Only(fib, "10.13.1.2/32");
        Assert.Equal(("boot", "link"), (host.Protocol, host.Scope));
        Assert.Equal([new KernelNextHop(null, "t1-eth1")], host.NextHops.ToArray());
        Assert.False(host.IsConnected);

        var remote = Only(fib, "10.14.3.0/24");
        Assert.Equal(("unicast", "boot", "global"), (remote.Type, remote.Protocol, remote.Scope));
        Assert.Equal([new KernelNextHop("20.13.1.2", "t1-eth3"), new KernelNextHop("20.13.2.2", "t1-eth4")], remote.NextHops.ToArray());
        Assert.Equal("10.14.3.0/24 via 20.13.1.2 dev t1-eth3, 20.13.2.2 dev t1-eth4 (proto boot)", remote.ToString());

        Assert.Equal([new KernelNextHop("10.13.1.2", "t1-eth1"), new KernelNextHop("10.13.2.2", "t1-eth2")], Only(fib, "20.0.0.1/32").NextHops.ToArray());
    }

    [Fact]
    public void The_linux_sample_of_a1_reads_single_path_routes_with_their_gateway()
    {
        var fib = Parse(FibSamples.Of("a1"));

        Assert.Equal(21, fib.Routes.Length);
        Assert.Equal([new KernelNextHop("20.13.1.1", "a1-eth3")], Only(fib, "10.13.1.0/24").NextHops.ToArray());
        Assert.Equal([new KernelNextHop("20.13.1.1", "a1-eth3")], Only(fib, "20.0.0.1/32").NextHops.ToArray());
        Assert.Equal(4, fib.Routes.Count(r => r.IsConnected));
    }

    [Fact]
    public void The_frr_sample_reads_zebras_routes_as_proto_bgp_with_their_metric()
    {
        var fib = Parse(FibSamples.Read("frr-single-path"));

        Assert.Equal(3, fib.Routes.Length);
        var vip = Only(fib, "20.0.0.1/32");
        Assert.Equal(("unicast", "bgp", 20L), (vip.Type, vip.Protocol, vip.Metric));
        Assert.Equal([new KernelNextHop("20.1.1.2", "lbp-va")], vip.NextHops.ToArray());
        Assert.Equal("20.0.0.1/32 via 20.1.1.2 dev lbp-va (proto bgp, metric 20)", vip.ToString());
        Assert.True(Only(fib, "20.1.1.0/24").IsConnected);
    }

    [Fact]
    public void An_frr_multipath_route_reads_its_next_hops_beside_nhid()
    {
        var fib = Parse("""
            [{"dst":"10.14.3.0/24","nhid":31,"protocol":"bgp","metric":20,"flags":[],
              "nexthops":[{"gateway":"20.13.2.2","dev":"t1-eth4","weight":1,"flags":[]},{"gateway":"20.13.1.2","dev":"t1-eth3","weight":1,"flags":["onlink"]}]}]
            """);

        var route = Assert.Single(fib.Routes);
        Assert.Equal([new KernelNextHop("20.13.2.2", "t1-eth4"), new KernelNextHop("20.13.1.2", "t1-eth3")], route.NextHops.ToArray());
        Assert.Equal("bgp", route.Protocol);
    }

    [Fact]
    public void Unknown_keys_are_ignored_and_missing_ones_take_iproute2s_defaults()
    {
        var fib = Parse("""
            [{"dst":"default","gateway":"10.0.0.1","dev":"eth0","future":{"deep":[1,{"x":null}]},"protocol":99,"table":"main"},
             {"dst":"10.9.0.0/16","via":{"family":"inet6","host":"fe80::1"},"dev":"eth1"},
             {"dst":"10.8.0.0/16"}]
            """);

        Assert.Equal(3, fib.Routes.Length);
        var fallback = Only(fib, "0.0.0.0/0");
        Assert.Equal(("unicast", "99", "global", 0L), (fallback.Type, fallback.Protocol, fallback.Scope, fallback.Metric));
        Assert.Equal([new KernelNextHop("10.0.0.1", "eth0")], fallback.NextHops.ToArray());
        Assert.Equal([new KernelNextHop("fe80::1", "eth1")], Only(fib, "10.9.0.0/16").NextHops.ToArray());
        Assert.Empty(Only(fib, "10.8.0.0/16").NextHops);
        Assert.Equal("10.8.0.0/16 no next hop (proto boot)", Only(fib, "10.8.0.0/16").ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("[]")]
    public void Empty_output_is_an_empty_table(string text) => Assert.Empty(Parse(text).Routes);

    [Fact]
    public void Entries_about_the_nodes_own_addresses_are_kept_but_do_not_forward()
    {
        var fib = Parse("""
            [{"type":"local","dst":"10.13.1.1","dev":"t1-eth1","protocol":"kernel","scope":"host"},
             {"type":"broadcast","dst":"10.13.1.255","dev":"t1-eth1","protocol":"kernel","scope":"link"},
             {"type":"blackhole","dst":"10.13.1.0/24","protocol":"static"}]
            """);

        Assert.Equal(3, fib.Routes.Length);
        Assert.Empty(fib.WithPrefix(Ipv4Prefix.Parse("10.13.1.1/32")));
        var blackhole = fib.LongestMatch(Ipv4Address.Parse("10.13.1.1"));
        Assert.NotNull(blackhole);
        Assert.Equal("10.13.1.0/24 blackhole (proto static)", blackhole.ToString());
    }

    [Fact]
    public void The_longest_prefix_wins_and_among_equal_prefixes_the_lowest_metric()
    {
        var fib = Parse("""
            [{"dst":"10.0.0.0/8","gateway":"1.1.1.1","dev":"a"},
             {"dst":"10.13.0.0/16","gateway":"2.2.2.2","dev":"b","metric":50},
             {"dst":"10.13.0.0/16","gateway":"3.3.3.3","dev":"c","metric":20}]
            """);

        Assert.Equal("c", fib.LongestMatch(Ipv4Address.Parse("10.13.1.2"))!.NextHops[0].Dev);
        Assert.Equal("a", fib.LongestMatch(Ipv4Address.Parse("10.14.1.2"))!.NextHops[0].Dev);
        Assert.Null(fib.LongestMatch(Ipv4Address.Parse("11.0.0.1")));
        Assert.Equal([20L, 50L], fib.WithPrefix(Ipv4Prefix.Parse("10.13.0.0/16")).Select(r => r.Metric));
    }

    [Theory]
    [InlineData("{}", "the table is a JSON object, not a list of routes")]
    [InlineData("null", "the table is a JSON null, not a list of routes")]
    [InlineData("[1]", "route 1 is a JSON number, not an object")]
    [InlineData("""[{"dst":"10.0.0.0/24"},{"dev":"x"}]""", "route 2 has no dst")]
    [InlineData("""[{"dst":"10.0.0.300/24"}]""", "route 1 has dst '10.0.0.300/24', not an IPv4 prefix")]
    [InlineData("""[{"dst":"2001:db8::/32","dev":"x"}]""", "route 1 has dst '2001:db8::/32', not an IPv4 prefix")]
    [InlineData("""[{"dst":"10.0.0.0/24","nexthops":{}}]""", "route 1 (10.0.0.0/24) has nexthops that are a JSON object, not a list")]
    [InlineData("""[{"dst":"10.0.0.0/24","nexthops":["a"]}]""", "route 1 (10.0.0.0/24) has a next hop that is a JSON string, not an object")]
    [InlineData("""[{"dst":"10.0.0.0/24","metric":"high"}]""", "route 1 (10.0.0.0/24) has metric \"high\", not a whole number")]
    [InlineData("""[{"dst":"10.0.0.0/24","metric":-1}]""", "route 1 (10.0.0.0/24) has metric -1, not a whole number")]
    [InlineData("""[{"dst":"10.0.0.0/24","dev":["eth0"]}]""", "route 1 (10.0.0.0/24) has dev that is a JSON array, not text")]
    [InlineData("""[{"dst":"10.0.0.0/24","via":"1.2.3.4"}]""", "route 1 (10.0.0.0/24) has via that is a JSON string, not an object")]
    public void A_table_that_is_not_ip_route_json_is_a_one_line_reason(string text, string expected) =>
        Assert.Equal(expected, ParseError(text));

    [Theory]
    [InlineData("Error: ipv4: FIB table does not exist.\nDump terminated")]
    [InlineData("""[{"dst":"10.0.0.0/24","dev":"t1-eth1"}""")]
    [InlineData("[{\"dst\":\"10.0.0.0/24\"}] trailing")]
    [InlineData("\u001b[2J\u0000\u00ff garbage")]
    public void Garbage_is_not_json_in_one_escaped_line(string text)
    {
        var error = ParseError(text);

        Assert.StartsWith("not JSON (", error);
        Assert.DoesNotContain('\n', error);
        Assert.DoesNotContain('\u001b', error);
        Assert.DoesNotContain('\0', error);
    }

    [Fact]
    public void Nesting_deeper_than_any_route_is_refused()
    {
        var deep = new string('[', 200) + new string(']', 200);

        Assert.StartsWith("not JSON (", ParseError(deep));
    }
}
