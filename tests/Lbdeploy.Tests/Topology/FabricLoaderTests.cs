using Lb.Core.Addressing;
using Lbdeploy.Common;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Topology;

public sealed class FabricLoaderTests
{
    private static readonly Fabric FromAppConfig = FabricLoader.Load(RepoPaths.CourseAppConfig);
    private static readonly Fabric FromTopologyJson = FabricLoader.Load(RepoPaths.CourseTopologyJson);

    [Fact]
    public void Both_formats_give_the_same_model_apart_from_switch_to_switch_macs()
    {
        Assert.Equal(FromTopologyJson.Hosts.AsEnumerable(), FromAppConfig.Hosts.AsEnumerable());
        Assert.Equal(FromTopologyJson.Switches.AsEnumerable(), FromAppConfig.Switches.AsEnumerable());
        Assert.Equal(FromTopologyJson.Links.Length, FromAppConfig.Links.Length);
        for (var i = 0; i < FromAppConfig.Links.Length; i++)
        {
            var expected = FromTopologyJson.Links[i];
            var actual = FromAppConfig.Links[i];
            var isHostLink = FromAppConfig.IsHost(actual.A.Node);
            Assert.Equal(Normalize(expected, isHostLink), Normalize(actual, isHostLink));
            Assert.Equal(expected.Options, actual.Options);
        }
    }

    // switch-to-switch MACs are random in p4-utils: compare everything else
    private static FabricLink Normalize(FabricLink link, bool isHostLink) =>
        isHostLink ? link : link with { A = link.A with { Mac = default }, B = link.B with { Mac = default } };

    [Fact]
    public void Switch_ids_follow_natural_name_order_and_thrift_ports_follow_ids()
    {
        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "c1", "c2", "c3", "c4", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"],
            FromAppConfig.Switches.Select(s => s.Name));
        Assert.Equal(Enumerable.Range(1, 20), FromAppConfig.Switches.Select(s => s.DeviceId));
        Assert.Equal(Enumerable.Range(9090, 20), FromAppConfig.Switches.Select(s => s.ThriftPort));
    }

    [Theory]
    [InlineData("t1", "h1", 1)]
    [InlineData("t1", "h2", 2)]
    [InlineData("t1", "a1", 3)]
    [InlineData("t1", "a2", 4)]
    [InlineData("a1", "c1", 1)]
    [InlineData("a1", "c2", 2)]
    [InlineData("a1", "t1", 3)]
    [InlineData("a1", "t2", 4)]
    [InlineData("c1", "a1", 1)]
    [InlineData("c1", "a3", 2)]
    [InlineData("c1", "a5", 3)]
    [InlineData("c1", "a7", 4)]
    [InlineData("t5", "h9", 1)]
    [InlineData("t5", "h10", 2)]
    public void Ports_match_p4_utils(string node, string neighbor, int port)
    {
        var end = FromAppConfig.InterfaceToward(node, neighbor);
        Assert.Equal(port, end.Port);
        Assert.Equal($"{node}-eth{port}", end.Name);
    }

    [Fact]
    public void L3_addresses_hosts_and_switch_links_as_p4_utils_does()
    {
        var h13 = FromAppConfig.FindHost("h13")!;
        Assert.Equal(Ipv4Interface.Parse("10.19.13.2/24"), h13.Address);
        Assert.Equal(Ipv4Address.Parse("10.19.13.1"), h13.Gateway);
        Assert.Equal(MacAddress.Parse("00:00:0a:13:0d:02"), h13.Mac);
        Assert.Equal("h13-eth0", h13.Interface);
        var switchSide = FromAppConfig.InterfaceToward("t7", "h13");
        Assert.Equal(MacAddress.Parse("00:01:0a:13:0d:02"), switchSide.Mac);
        Assert.Equal(Ipv4Interface.Parse("10.19.13.1/24"), switchSide.Address);
        Assert.Equal(0, FromAppConfig.InterfaceToward("h13", "t7").Port);

        // node1 of ["t1", "a1"] is t1 (id 13), node2 a1 (id 1)
        Assert.Equal(Ipv4Interface.Parse("20.13.1.1/24"), FromAppConfig.InterfaceToward("t1", "a1").Address);
        Assert.Equal(Ipv4Interface.Parse("20.13.1.2/24"), FromAppConfig.InterfaceToward("a1", "t1").Address);
        Assert.Equal(Ipv4Interface.Parse("20.1.9.1/24"), FromAppConfig.InterfaceToward("a1", "c1").Address);
    }

    [Fact]
    public void Switch_link_macs_are_deterministic_locally_administered_and_unique()
    {
        var again = FabricLoader.Load(RepoPaths.CourseAppConfig);
        Assert.Equal(FromAppConfig.Links.AsEnumerable(), again.Links.AsEnumerable());
        var a1ToC1 = FromAppConfig.InterfaceToward("a1", "c1");
        Assert.Equal(MacAddress.Parse("02:00:00:01:00:01"), a1ToC1.Mac);
        var macs = FromAppConfig.Links.SelectMany(l => new[] { l.A.Mac, l.B.Mac }).ToList();
        Assert.Equal(macs.Count, macs.Distinct().Count());
    }

    [Fact]
    public void Link_options_are_read()
    {
        Assert.All(FromAppConfig.Links, l => Assert.Equal(new LinkOptions(BandwidthMbps: 1), l.Options));
        var fabric = FabricLoader.Parse("""
            {"topology": {"assignment_strategy": "l3", "hosts": {"h1": {}}, "switches": {"s1": {}},
             "links": [["h1", "s1", {"bw": 10, "delay": "2ms", "loss": 1.5, "max_queue_size": 100}]]}}
            """, "inline.json");
        Assert.Equal(new LinkOptions(10, "2ms", 1.5, 100), fabric.Links.Single().Options);
    }

    [Fact]
    public void Generated_k4_fat_tree_equals_the_course_app_config()
    {
        var generated = FabricLoader.FromAppConfig(FabricGenerators.FatTree(4, new LinkOptions(BandwidthMbps: 1)), RepoPaths.CourseAppConfig);
        Assert.Equal(FromAppConfig.Hosts.AsEnumerable(), generated.Hosts.AsEnumerable());
        Assert.Equal(FromAppConfig.Switches.AsEnumerable(), generated.Switches.AsEnumerable());
        Assert.Equal(FromAppConfig.Links.AsEnumerable(), generated.Links.AsEnumerable());
    }

    [Fact]
    public void Written_app_json_reads_back_to_the_same_fabric()
    {
        var config = FabricGenerators.LeafSpine(4, 2, 3);
        var path = Path.Combine(Path.GetTempPath(), $"lbdeploy-leafspine-{Guid.NewGuid():N}.json");
        try
        {
            AppConfigJson.WriteFile(config, path);
            var reread = FabricLoader.Load(path);
            var direct = FabricLoader.FromAppConfig(config, path);
            Assert.Equal(direct.Hosts.AsEnumerable(), reread.Hosts.AsEnumerable());
            Assert.Equal(direct.Links.AsEnumerable(), reread.Links.AsEnumerable());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Example_leaf_spine_file_is_what_the_generator_writes()
    {
        var path = RepoPaths.Of("examples", "fabrics", "leafspine_app.json");
        Assert.Equal(AppConfigJson.Write(FabricGenerators.LeafSpine(4, 2, 3)), File.ReadAllText(path));
        var fabric = FabricLoader.Load(path);
        Assert.Equal(12, fabric.Hosts.Length);
        Assert.Equal(["l1", "l2", "l3", "l4", "s1", "s2"], fabric.Switches.Select(s => s.Name));
    }

    [Fact]
    public void Mixed_strategy_addresses_hosts_by_switch()
    {
        var fabric = FabricLoader.Parse("""
            {"topology": {"assignment_strategy": "mixed", "hosts": {"h1": {}, "h2": {}}, "switches": {"s1": {}, "s2": {}},
             "links": [["h1", "s1"], ["h2", "s2"], ["s1", "s2"]]}}
            """, "mixed.json");
        var h2 = fabric.FindHost("h2")!;
        Assert.Equal(Ipv4Interface.Parse("10.0.2.2/24"), h2.Address);
        Assert.Equal(Ipv4Address.Parse("10.0.2.254"), h2.Gateway);
        Assert.Null(fabric.InterfaceToward("s1", "s2").Address);
    }

    [Fact]
    public void Large_fat_tree_falls_back_to_wide_addressing_with_unique_subnets()
    {
        var config = FabricGenerators.FatTree(16);
        Assert.Equal(AssignmentStrategies.L3Wide, config.AssignmentStrategy);
        var fabric = FabricLoader.FromAppConfig(config, "k16");
        Assert.Equal(1024, fabric.Hosts.Length);
        Assert.Equal(320, fabric.Switches.Length);
        Assert.Equal(1024, fabric.Hosts.Select(h => h.Address.Subnet).Distinct().Count());
        var linkSubnets = fabric.Links.Where(l => fabric.IsSwitch(l.A.Node)).Select(l => l.A.Address!.Value.Subnet).ToList();
        Assert.Equal(linkSubnets.Count, linkSubnets.Distinct().Count());
    }

    [Fact]
    public void Malformed_json_names_file_line_and_column()
    {
        var e = Assert.Throws<SpecException>(() => FabricLoader.Parse("{\n  \"topology\": {\n    \"links\": [,]\n  }\n}", "bad.json"));
        Assert.Equal("bad.json:3:15: error: malformed JSON (',' is an invalid start of a value); fix the syntax at that position", Assert.Single(e.Diagnostics).ToString());
    }

    [Fact]
    public void Missing_file_is_an_input_file_exception()
    {
        var e = Assert.Throws<InputFileException>(() => FabricLoader.Load("/nonexistent/topo.json"));
        Assert.Equal("file not found; fix the topology: path in lb.yaml", e.Message);
    }

    [Fact]
    public void Unsupported_strategy_names_the_supported_ones()
    {
        var e = Assert.Throws<SpecException>(() => FabricLoader.Parse("""
            {"topology": {"assignment_strategy": "l2", "hosts": {"h1": {}}, "switches": {"s1": {}}, "links": [["h1", "s1"]]}}
            """, "l2.json"));
        Assert.Equal("l2.json:1:15: error: topology.assignment_strategy: 'l2' is not supported; use one of: l3, mixed, l3-wide (l3 is what the course uses)",
            Assert.Single(e.Diagnostics).ToString());
    }

    [Fact]
    public void All_validation_errors_are_reported_at_once()
    {
        var e = Assert.Throws<SpecException>(() => FabricLoader.Parse("""
            {"topology": {"assignment_strategy": "l3", "hosts": {"h1": {}, "h2": {}}, "switches": {"s1": {}},
             "links": [["h1", "s1"], ["h1", "s9"]]}}
            """, "broken.json"));
        Assert.Equal(
            [
                "broken.json:2:33: error: topology.links[1][1]: 's9' is neither a declared host nor a switch; declare it in \"hosts\" or \"switches\", or fix the name",
                "broken.json:1:64: error: topology.hosts.h2: host 'h2' has 0 links; p4-utils attaches every host to exactly one switch",
            ],
            e.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Unknown_format_is_rejected()
    {
        var e = Assert.Throws<SpecException>(() => FabricLoader.Parse("""{"hello": 1}""", "x.json"));
        Assert.StartsWith("x.json:1:1: error: not a p4-utils topology", e.Message);
    }

    [Fact]
    public void Host_links_take_the_first_ports_even_when_the_switch_sorts_before_h()
    {
        // legacy p4-utils adds host links before switch links; within each group natural (node1, node2) order
        var fabric = FabricLoader.Parse("""
            {"topology": {"assignment_strategy": "l3", "hosts": {"h2": {}, "h10": {}}, "switches": {"a1": {}, "s1": {}},
             "links": [["a1", "s1"], ["h10", "a1"], ["a1", "h2"]]}}
            """, "order.json");
        Assert.Equal(1, fabric.InterfaceToward("a1", "h2").Port);
        Assert.Equal(2, fabric.InterfaceToward("a1", "h10").Port);
        Assert.Equal(3, fabric.InterfaceToward("a1", "s1").Port);
        Assert.Equal(1, fabric.InterfaceToward("s1", "a1").Port);
        // a host named second in its link is still node1 of the p4-utils link
        Assert.Equal("h2", fabric.Links.First(l => l.B.Node == "a1" && l.A.Node == "h2").A.Node);
    }
}
