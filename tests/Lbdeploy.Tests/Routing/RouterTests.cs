using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Tests.Topology;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Routing;

public sealed class RouterTests
{
    private static readonly Fabric Course = FabricLoader.Load(RepoPaths.CourseAppConfig);
    private static readonly VipPlacement CourseVip = new(Ipv4Address.Parse("20.0.0.1"), ["h1", "h2"]);

    [Fact]
    public void Attached_hosts_get_a_host_route_and_remote_hosts_an_ecmp_group()
    {
        var plan = Router.Build(Course, [CourseVip]);
        var t7 = plan.For("t7");
        var direct = t7.Routes.Single(r => r.Destination == Ipv4Prefix.Parse("10.19.13.2/32"));
        Assert.Equal(RouteKind.DirectHost, direct.Kind);
        var hop = Assert.Single(direct.NextHops);
        Assert.Equal(MacAddress.Parse("00:00:0a:13:0d:02"), hop.Ingress.Mac);
        Assert.Equal(1, hop.Egress.Port);

        var remote = plan.For("t1").Routes.Single(r => r.Destination == Ipv4Prefix.Parse("10.19.13.0/24"));
        Assert.Equal(RouteKind.RemoteHost, remote.Kind);
        Assert.Equal(["a1", "a2"], remote.NextHops.Select(n => n.Neighbor));
        Assert.Equal([3, 4], remote.NextHops.Select(n => n.Egress.Port));
        Assert.True(remote.IsEcmp);
    }

    [Fact]
    public void Vip_splits_between_attached_muxes_and_heads_toward_them_elsewhere()
    {
        var plan = Router.Build(Course, [CourseVip]);
        var vip = Ipv4Prefix.Parse("20.0.0.1/32");
        Assert.Equal(["h1", "h2"], plan.For("t1").Routes.Single(r => r.Destination == vip).NextHops.Select(n => n.Neighbor));
        Assert.Equal(["a1", "a2"], plan.For("t2").Routes.Single(r => r.Destination == vip).NextHops.Select(n => n.Neighbor));
        Assert.Equal(["a1"], plan.For("c1").Routes.Single(r => r.Destination == vip).NextHops.Select(n => n.Neighbor));
        Assert.Equal(["t1"], plan.For("a1").Routes.Single(r => r.Destination == vip).NextHops.Select(n => n.Neighbor));
        Assert.All(plan.Switches, s => Assert.Equal(RouteKind.Vip, s.Routes.Single(r => r.Destination == vip).Kind));
    }

    [Fact]
    public void Output_is_deterministic_and_sorted()
    {
        var first = Router.Build(Course, [CourseVip]);
        var second = Router.Build(FabricLoader.Load(RepoPaths.CourseAppConfig), [CourseVip]);
        Assert.Equal(first.Switches.Select(s => s.Switch.Name), Course.Switches.Select(s => s.Name));
        foreach (var (a, b) in first.Switches.Zip(second.Switches))
        {
            Assert.Equal(a.Routes.Select(Describe), b.Routes.Select(Describe));
            Assert.Equal(a.Routes.Select(r => r.Destination).Order(), a.Routes.Select(r => r.Destination));
            Assert.All(a.Routes, r => Assert.Equal(r.NextHops.Select(n => n.Egress.Port).Order(), r.NextHops.Select(n => n.Egress.Port)));
        }
    }

    private static string Describe(Route r) => $"{r.Destination} {r.Kind} {string.Join(",", r.NextHops.Select(n => $"{n.Neighbor}:{n.Egress.Port}:{n.Ingress.Mac}"))}";

    [Fact]
    public void Every_switch_has_a_route_for_every_host_and_vip()
    {
        var plan = Router.Build(Course, [CourseVip]);
        Assert.All(plan.Switches, s => Assert.Equal(16 + 1, s.Routes.Length));
    }

    [Fact]
    public void Invalid_placements_are_reported_together()
    {
        var e = Assert.Throws<RoutingException>(() => Router.Build(Course,
            [new VipPlacement(Ipv4Address.Parse("10.13.1.2"), ["h99"]), new VipPlacement(Ipv4Address.Parse("20.0.0.2"), [])]));
        Assert.Contains("host h1", e.Message);
        Assert.Contains("'h99'", e.Message);
        Assert.Contains("20.0.0.2 has no muxes", e.Message);
    }

    [Fact]
    public void Leaf_spine_routes_through_every_spine()
    {
        var fabric = FabricLoader.FromAppConfig(FabricGenerators.LeafSpine(4, 2, 3), "leafspine");
        var plan = Router.Build(fabric, [new VipPlacement(Ipv4Address.Parse("20.0.0.1"), ["h1", "h4"])]);
        // muxes under l1 and l2 are equally near from l3: ECMP over both spines
        Assert.Equal(["s1", "s2"], plan.For("l3").Routes.Single(r => r.Kind == RouteKind.Vip).NextHops.Select(n => n.Neighbor));
        Assert.Equal(["h1"], plan.For("l1").Routes.Single(r => r.Kind == RouteKind.Vip).NextHops.Select(n => n.Neighbor));
        // a spine is one hop from both mux leaves: anycast tie, ECMP over both
        Assert.Equal(["l1", "l2"], plan.For("s1").Routes.Single(r => r.Kind == RouteKind.Vip).NextHops.Select(n => n.Neighbor));
    }
}
