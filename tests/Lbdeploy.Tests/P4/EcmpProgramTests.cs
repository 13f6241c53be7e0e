using Lbdeploy.Routing;
using Lbdeploy.Tests.Topology;
using Lbdeploy.Topology;
using Lbdeploy.Verification;
using Lb.Core.Addressing;

namespace Lbdeploy.Tests.P4;

/// <summary>No P4 compiler here: these read p4/ecmp.p4's control-plane interface and check rules against it.</summary>
public sealed class EcmpProgramTests
{
    private static readonly P4Interface Program = P4Interface.Load(RepoPaths.Of("p4", "ecmp.p4"));

    [Fact]
    public void Ipv4_lpm_has_the_course_interface()
    {
        var table = Program.FindTable("ipv4_lpm")!;
        Assert.Equal([new P4Key("hdr.ipv4.dstAddr", "lpm", 32)], table.Keys.AsEnumerable());
        Assert.Equal(["set_nhop", "ecmp_group", "drop"], table.Actions.AsEnumerable());
        Assert.Equal("drop", table.DefaultAction);
    }

    [Fact]
    public void Ecmp_group_to_nhop_has_the_course_interface()
    {
        var table = Program.FindTable("ecmp_group_to_nhop")!;
        Assert.Equal([new P4Key("meta.ecmp_group_id", "exact", 14), new P4Key("meta.ecmp_hash", "exact", 14)], table.Keys.AsEnumerable());
        Assert.Contains("set_nhop", table.Actions);
    }

    [Fact]
    public void Actions_have_the_course_parameters()
    {
        Assert.Equal([new P4Parameter("dstAddr", 48), new P4Parameter("port", 9)], Program.FindAction("set_nhop")!.Parameters.AsEnumerable());
        Assert.Equal([new P4Parameter("ecmp_group_id", 14), new P4Parameter("num_nhops", 16)], Program.FindAction("ecmp_group")!.Parameters.AsEnumerable());
        Assert.Empty(Program.FindAction("drop")!.Parameters);
    }

    [Theory]
    [InlineData("table_add ipv4_lpm set_nhop 10.19.13.2/32 => 00:00:0a:13:0d:02 1")]
    [InlineData("table_add ipv4_lpm ecmp_group 10.19.13.0/24 => 1 2")]
    [InlineData("table_add ecmp_group_to_nhop set_nhop 1 0 => 02:00:00:01:00:03 3")]
    [InlineData("table_set_default ipv4_lpm drop")]
    public void Course_rules_load(string rule) => Assert.Empty(Program.CheckCommand(rule));

    [Theory]
    [InlineData("table_dump_entry_from_key ipv4_lpm 20.0.0.1/32")]
    [InlineData("table_dump_entry_from_key ecmp_group_to_nhop 2 0")]
    [InlineData("table_modify ipv4_lpm ecmp_group 16777218 => 2 4")]
    [InlineData("table_modify ipv4_lpm set_nhop 5 00:00:0a:13:0d:02 1")]
    [InlineData("table_modify ecmp_group_to_nhop set_nhop 7 => 02:00:00:01:00:03 3")]
    [InlineData("table_delete ecmp_group_to_nhop 7")]
    public void The_watchers_commands_load(string command) => Assert.Empty(Program.CheckCommand(command));

    [Theory]
    [InlineData("table_dump_entry_from_key ipv4_lpm 20.0.0.1", "VALUE/LENGTH")]
    [InlineData("table_dump_entry_from_key ecmp_group_to_nhop 2", "takes 2 key(s)")]
    [InlineData("table_modify ipv4_lpm ecmp_group h5 => 2 4", "expected table_modify TABLE ACTION HANDLE")]
    [InlineData("table_modify ipv4_lpm ecmp_group 5 => 16384 4", "bit<14>")]
    [InlineData("table_modify ecmp_group_to_nhop ecmp_group 5 => 2 4", "has no action 'ecmp_group'")]
    [InlineData("table_delete ecmp_group_to_nhop", "expected table_delete TABLE HANDLE")]
    [InlineData("table_delete ecmp_group 7", "no table 'ecmp_group'")]
    public void Broken_watcher_commands_are_reported(string command, string expected) =>
        Assert.Contains(Program.CheckCommand(command), e => e.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void The_embedded_program_is_p4_ecmp_p4() => Assert.Equal(Program, P4Interface.Ecmp, new InterfaceComparer());

    private sealed class InterfaceComparer : IEqualityComparer<P4Interface>
    {
        public bool Equals(P4Interface? x, P4Interface? y) =>
            x!.Tables.Select(t => (t.Name, string.Join(",", t.Keys), string.Join(",", t.Actions))).SequenceEqual(y!.Tables.Select(t => (t.Name, string.Join(",", t.Keys), string.Join(",", t.Actions))))
            && x.Actions.Select(a => (a.Name, string.Join(",", a.Parameters))).SequenceEqual(y.Actions.Select(a => (a.Name, string.Join(",", a.Parameters))));

        public int GetHashCode(P4Interface obj) => obj.Tables.Length;
    }

    [Theory]
    [InlineData("table_add ipv4_lpm set_nhop 10.19.13.2/32 => 00:00:0a:13:0d:02", "takes 2 parameter(s)")]
    [InlineData("table_add ipv4_lpm set_nhop 10.19.13.2/32 => 00:00:0a:13:0d:02 512", "does not fit bit<9>")]
    [InlineData("table_add ipv4_lpm set_nhop 10.19.13.2/33 => 00:00:0a:13:0d:02 1", "VALUE/LENGTH")]
    [InlineData("table_add ipv4_lpm forward 10.19.13.2/32 => 1", "no action 'forward'")]
    [InlineData("table_add ipv4_fib set_nhop 10.19.13.2/32 => 00:00:0a:13:0d:02 1", "no table 'ipv4_fib'")]
    [InlineData("table_add ecmp_group_to_nhop set_nhop 1 => 00:00:0a:13:0d:02 1", "takes 2 key(s)")]
    [InlineData("table_add ecmp_group_to_nhop set_nhop 16384 0 => 00:00:0a:13:0d:02 1", "bit<14>")]
    public void Broken_rules_are_reported(string rule, string expected) =>
        Assert.Contains(Program.CheckCommand(rule), e => e.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void Every_route_of_the_course_plan_fits_the_program()
    {
        // the plain course-controller rendering of each route: what any bmv2 renderer must produce
        var plan = Router.Build(FabricLoader.Load(RepoPaths.CourseAppConfig), [new VipPlacement(Ipv4Address.Parse("20.0.0.1"), ["h1", "h2"])]);
        var rules = new List<string>();
        foreach (var sw in plan.Switches)
        {
            var group = 0;
            foreach (var route in sw.Routes)
            {
                if (!route.IsEcmp)
                {
                    rules.Add($"table_add ipv4_lpm set_nhop {route.Destination} => {route.NextHops[0].Ingress.Mac} {route.NextHops[0].Egress.Port}");
                    continue;
                }
                group++;
                rules.Add($"table_add ipv4_lpm ecmp_group {route.Destination} => {group} {route.NextHops.Length}");
                for (var i = 0; i < route.NextHops.Length; i++)
                    rules.Add($"table_add ecmp_group_to_nhop set_nhop {group} {i} => {route.NextHops[i].Ingress.Mac} {route.NextHops[i].Egress.Port}");
            }
        }
        Assert.True(rules.Count > 300);
        Assert.All(rules, rule => Assert.Empty(Program.CheckCommand(rule)));
    }

    [Fact]
    public void Hash_covers_the_five_tuple_in_the_course_order()
    {
        // FlowTuple.Bmv2Crc16 hashes srcAddr, dstAddr, srcPort, dstPort, protocol in this order (the course's ecmp.p4)
        var source = File.ReadAllText(RepoPaths.Of("p4", "ecmp.p4"));
        var hash = source[source.IndexOf("HashAlgorithm.crc16", StringComparison.Ordinal)..];
        hash = hash[..hash.IndexOf("num_nhops", StringComparison.Ordinal)];
        var order = new[] { "meta.flow_src_addr", "meta.flow_dst_addr", "meta.l4_src_port", "meta.l4_dst_port", "meta.flow_protocol" }
            .Select(f => hash.IndexOf(f, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
    }

    [Fact]
    public void Tunnelled_packets_are_hashed_on_the_inner_header()
    {
        // the parser moves the flow fields to the inner header of an IP-in-IP packet, and its ports follow it
        var source = File.ReadAllText(RepoPaths.Of("p4", "ecmp.p4"));
        Assert.Contains("(4w5, 13w0, PROTO_IPIP): parse_inner_ipv4;", source);
        var inner = source[source.IndexOf("state parse_inner_ipv4", StringComparison.Ordinal)..];
        inner = inner[..inner.IndexOf("\n    }", StringComparison.Ordinal)];
        Assert.Contains("meta.flow_src_addr = hdr.inner_ipv4.srcAddr;", inner);
        Assert.Contains("meta.flow_dst_addr = hdr.inner_ipv4.dstAddr;", inner);
        Assert.Contains("meta.flow_protocol = hdr.inner_ipv4.protocol;", inner);
        Assert.Contains("parse_tcp;", inner);
        Assert.Contains("parse_udp;", inner);
        // and the deparser puts the inner header back between the outer one and the ports
        var deparser = source[source.IndexOf("control MyDeparser", StringComparison.Ordinal)..];
        Assert.True(deparser.IndexOf("hdr.ipv4)", StringComparison.Ordinal) < deparser.IndexOf("hdr.inner_ipv4)", StringComparison.Ordinal));
        Assert.True(deparser.IndexOf("hdr.inner_ipv4)", StringComparison.Ordinal) < deparser.IndexOf("hdr.tcp)", StringComparison.Ordinal));
    }
}
