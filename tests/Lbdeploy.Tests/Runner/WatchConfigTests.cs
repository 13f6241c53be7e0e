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
    public void The_bmv2_target_plans_no_watcher()
    {
        var plan = Planner.Create(Path.Combine(CliRun.RepositoryRoot, "lb.yaml"), "lb.yaml",
            File.ReadAllText(Path.Combine(CliRun.RepositoryRoot, "lb.yaml")).Replace("target: linux", "target: bmv2", StringComparison.Ordinal));
        Assert.False(plan.Files.ContainsKey(PlanFiles.Watcher));
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
