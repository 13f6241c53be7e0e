using System.Text;
using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Tests.Topology;
using Lbdeploy.Topology;
using Lbdeploy.Verification;

namespace Lbdeploy.Tests.Verification;

public sealed class ForwardingTracerTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("20.0.0.1");
    private static readonly ForwardingPlan Course =
        Router.Build(FabricLoader.Load(RepoPaths.CourseAppConfig), [new VipPlacement(Vip, ["h1", "h2"])]);

    [Fact]
    public void Crc16_is_bmv2s_crc16_arc() => Assert.Equal(0xBB3D, FlowTuple.Crc16Arc(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void A_flow_to_the_vip_takes_one_path_to_a_mux_chosen_by_the_selector()
    {
        var flow = new FlowTuple(Ipv4Address.Parse("10.19.13.2"), Vip, FlowTuple.Tcp, 40000, 80);
        var first = ForwardingTracer.Trace(Course, "h13", flow, (_, _, _) => 0);
        Assert.Equal(["h13", "t7", "a7", "c1", "a1", "t1", "h1"], first.Nodes.AsEnumerable());
        Assert.Equal("h1", first.Delivered);
        var last = ForwardingTracer.Trace(Course, "h13", flow, (_, _, n) => n - 1);
        Assert.Equal(["h13", "t7", "a8", "c4", "a2", "t1", "h2"], last.Nodes.AsEnumerable());
    }

    [Fact]
    public void Bmv2_selection_is_deterministic_and_spreads_flows_over_both_muxes()
    {
        var muxes = Enumerable.Range(0, 64)
            .Select(port => new FlowTuple(Ipv4Address.Parse("10.14.3.2"), Vip, FlowTuple.Tcp, (ushort)(40000 + port), 80))
            .Select(flow => ForwardingTracer.Trace(Course, "h3", flow).Delivered)
            .ToList();
        Assert.All(muxes, m => Assert.Contains(m, new[] { "h1", "h2" }));
        Assert.Equal(["h1", "h2"], muxes.Distinct().Order());
        var again = new FlowTuple(Ipv4Address.Parse("10.14.3.2"), Vip, FlowTuple.Tcp, 40000, 80);
        Assert.Equal(ForwardingTracer.Trace(Course, "h3", again).Nodes.AsEnumerable(), ForwardingTracer.Trace(Course, "h3", again).Nodes.AsEnumerable());
    }

    [Fact]
    public void A_missing_route_ends_the_trace_with_the_reason()
    {
        var c1 = Course.For("c1");
        var broken = Course with { Switches = Course.Switches.Replace(c1, c1 with { Routes = c1.Routes.RemoveAll(r => r.Kind == RouteKind.Vip) }) };
        var flow = new FlowTuple(Ipv4Address.Parse("10.19.13.2"), Vip, FlowTuple.Tcp, 1, 80);
        var path = ForwardingTracer.Trace(broken, "h13", flow, (_, _, _) => 0);
        Assert.Null(path.Delivered);
        Assert.Equal("h13 -> t7 -> a7 -> c1 -> (no route to 20.0.0.1 at c1)", path.ToString());
    }
}
