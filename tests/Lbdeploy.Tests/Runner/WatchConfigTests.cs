using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Tests.EndToEnd;

namespace Lbdeploy.Tests.Runner;

/// <summary>What the mux watcher rewrites: only the VIP routes that lead straight to muxes, narrowed to the healthy ones.</summary>
public sealed class WatchConfigTests
{
    /// <summary>The watch config the plan carries (the plan decides it; apply only starts the watcher on it).</summary>
    private static WatchConfig Config() =>
        System.Text.Json.JsonSerializer.Deserialize(Planner.Create(Path.Combine(CliRun.RepositoryRoot, "lb.yaml")).Files[PlanFiles.Watcher], WatchJsonContext.Default.WatchConfig)!;

    [Fact]
    public void The_course_fabric_watches_t1s_VIP_route_to_h1_and_h2()
    {
        var config = Config();
        var t1 = Assert.Single(config.Switches);
        Assert.Equal(("t1", "20.0.0.1/32"), (t1.Name, t1.Prefix));
        Assert.Equal(["h1", "h2"], t1.NextHops.Select(h => h.Neighbor));
        Assert.All(t1.NextHops, h => Assert.True(h.IsMux));
        Assert.Equal([PlanFiles.ControlSocket("h1", "mux"), PlanFiles.ControlSocket("h2", "mux")], config.Muxes.Select(m => m.ControlSocket));
    }

    [Fact]
    public void On_bmv2_the_course_fabric_plans_t1s_VIP_entry_for_each_set_of_live_muxes()
    {
        var plan = Planner.Create(Path.Combine(CliRun.RepositoryRoot, "lb.yaml"), "lb.yaml",
            File.ReadAllText(Path.Combine(CliRun.RepositoryRoot, "lb.yaml")).Replace("target: linux", "target: bmv2", StringComparison.Ordinal));
        var config = System.Text.Json.JsonSerializer.Deserialize(plan.Files[PlanFiles.Watcher], WatchJsonContext.Default.WatchConfig)!;
        Assert.Empty(config.Switches);
        var failover = config.Bmv2!;
        Assert.Equal("20.0.0.1/32", failover.Prefix);
        // h1 and h2 are both under t1: every other switch routes the VIP to t1 whichever of them lives.
        var t1 = Assert.Single(failover.Switches);
        Assert.Equal(("t1", plan.Switches.Single(s => s.Name == "t1").ThriftPort), (t1.Name, t1.ThriftPort));
        var both = t1.VariantFor(new HashSet<string> { "h1", "h2" })!;
        Assert.True(both.Planned);
        Assert.NotNull(both.Group);
        Assert.Equal(["h1", "h2"], both.Neighbors.ToArray());
        Assert.Equal(["h1"], t1.VariantFor(new HashSet<string> { "h1" })!.Members.Select(m => m.Neighbor));
        Assert.Equal(["h2"], t1.VariantFor(new HashSet<string> { "h2" })!.Members.Select(m => m.Neighbor));
        Assert.Null(t1.VariantFor(new HashSet<string>()));
        Assert.True(t1.SpareGroups.All(g => g > both.Group), "the spare groups are ids no planned entry uses");
    }

    [Fact]
    public void On_bmv2_a_leaf_without_a_live_mux_sends_the_VIP_up_and_the_spines_stop_sending_it_there()
    {
        var plan = Planner.Create(Path.Combine(CliRun.RepositoryRoot, "examples", "leafspine.yaml"));
        var failover = System.Text.Json.JsonSerializer.Deserialize(plan.Files[PlanFiles.Watcher], WatchJsonContext.Default.WatchConfig)!.Bmv2!;
        Assert.Equal(["l1", "l2", "s1", "s2"], failover.Switches.Select(s => s.Name));
        var l1 = failover.Switches[0];
        var s1 = failover.Switches[2];
        var onlyH4 = new HashSet<string> { "h4" };
        Assert.Equal(["s1", "s2"], l1.VariantFor(onlyH4)!.Neighbors.ToArray());
        Assert.True(l1.VariantFor(onlyH4)!.WritesSpareGroup);
        Assert.Equal(["l2"], s1.VariantFor(onlyH4)!.Neighbors.ToArray());
        // The planned spine group keeps the plan's layout (two next hops, stride 2: l1 l2 l2 l1).
        Assert.Equal(["l1", "l2", "l2", "l1"], s1.VariantFor(new HashSet<string> { "h1", "h4" })!.Members.Select(m => m.Neighbor));
    }

    [Fact]
    public void A_failed_mux_leaves_the_route_and_with_none_left_the_full_route_stays()
    {
        var t1 = Config().Switches[0];
        var onlyH2 = t1.Desired(new HashSet<string> { "h2" });
        Assert.Equal("ip route replace 20.0.0.1/32 via 10.13.2.2 dev t1-eth2", t1.RouteCommand(onlyH2));
        var both = t1.Desired(new HashSet<string> { "h1", "h2" });
        Assert.Equal("ip route replace 20.0.0.1/32 nexthop via 10.13.1.2 dev t1-eth1 nexthop via 10.13.2.2 dev t1-eth2", t1.RouteCommand(both));
        Assert.Equal(t1.NextHops, t1.Desired(new HashSet<string>()));
    }
}
