using System.Text.Json.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Spec;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>A switch's kernel table against its planned routes: the real samples of the course plan, and drift made from them.</summary>
public sealed class FibDriftTests
{
    private static IReadOnlyList<string> Drift(string switchName, string table, SwitchTarget target = SwitchTarget.Linux)
    {
        Assert.True(SwitchFib.TryParse(table, out var fib, out var error), error);
        return FibDrift.Compare(FibSamples.CoursePlan.Forwarding.For(switchName), fib, target);
    }

    /// <summary>A sample as FRR would leave it: no /32 for attached hosts (the connected subnet reaches them); zebra's routes proto bgp, metric 20, with a nexthop id.</summary>
    private static string AsFrr(string table) => FibSamples.Edit(table, routes =>
    {
        var nhid = 40;
        foreach (var route in routes.Select(r => r!.AsObject()).ToList())
        {
            if ((string?)route["protocol"] == "kernel") continue;
            if ((string?)route["scope"] == "link")
            {
                routes.Remove(route);
                continue;
            }
            route["nhid"] = nhid++;
            route["protocol"] = "bgp";
            route["metric"] = 20;
        }
    });

    [Theory]
    [InlineData("t1")]
    [InlineData("a1")]
    [InlineData("c1")]
    public void The_samples_of_the_running_course_fabric_hold_exactly_the_plan(string switchName) =>
        Assert.Empty(Drift(switchName, FibSamples.Of(switchName)));

    [Fact]
    public void Every_course_switch_holding_its_routes_has_no_drift_on_either_target()
    {
        var plan = FibSamples.CoursePlan;

        Assert.Equal(20, plan.Forwarding.Switches.Length);
        foreach (var planned in plan.Forwarding.Switches)
        {
            Assert.True(SwitchFib.TryParse(KernelTables.Linux(planned, plan.Fabric), out var linux, out _));
            Assert.True(SwitchFib.TryParse(KernelTables.Frr(planned, plan.Fabric), out var frr, out _));
            Assert.Empty(FibDrift.Compare(planned, linux, SwitchTarget.Linux));
            Assert.Empty(FibDrift.Compare(planned, frr, SwitchTarget.Frr));
        }
    }

    [Fact]
    public void A_removed_next_hop_shows_the_planned_set_and_the_kernels()
    {
        var table = FibSamples.Edit(FibSamples.Of("t1"), routes =>
            FibSamples.Route(routes, "10.14.3.0/24")["nexthops"]!.AsArray().RemoveAt(1));

        Assert.Equal(["t1: 10.14.3.0/24 via 20.13.1.2 dev t1-eth3, 20.13.2.2 dev t1-eth4 expected; kernel has via 20.13.1.2 dev t1-eth3"], Drift("t1", table));
    }

    [Fact]
    public void A_next_hop_through_the_wrong_port_is_drift()
    {
        var table = FibSamples.Edit(FibSamples.Of("c1"), routes => FibSamples.Route(routes, "10.15.5.0/24")["dev"] = "c1-eth1");

        Assert.Equal(["c1: 10.15.5.0/24 via 20.3.9.1 dev c1-eth2 expected; kernel has via 20.3.9.1 dev c1-eth1"], Drift("c1", table));
    }

    [Fact]
    public void Next_hop_order_and_weights_do_not_matter()
    {
        var table = FibSamples.Edit(FibSamples.Of("t1"), routes =>
        {
            var hops = FibSamples.Route(routes, "20.0.0.1")["nexthops"]!.AsArray();
            var first = hops[0]!;
            hops.RemoveAt(0);
            first["weight"] = 3;
            hops.Add(first);
        });

        Assert.Empty(Drift("t1", table));
    }

    [Fact]
    public void A_missing_prefix_is_named()
    {
        var table = FibSamples.Edit(FibSamples.Of("t1"), routes => routes.Remove(FibSamples.Route(routes, "20.0.0.1")));

        Assert.Equal(["t1: 20.0.0.1/32 missing"], Drift("t1", table));
    }

    [Fact]
    public void An_extra_static_route_is_unexpected_but_a_connected_subnet_is_not()
    {
        var table = FibSamples.Edit(FibSamples.Of("c1"), routes =>
        {
            routes.Add(new JsonObject { ["dst"] = "10.99.0.0/24", ["gateway"] = "20.1.9.1", ["dev"] = "c1-eth1", ["protocol"] = "static", ["flags"] = new JsonArray() });
            routes.Add(new JsonObject { ["dst"] = "192.168.7.0/24", ["dev"] = "c1-eth2", ["protocol"] = "kernel", ["scope"] = "link", ["prefsrc"] = "192.168.7.1" });
        });

        Assert.Equal(["c1: unexpected route 10.99.0.0/24 via 20.1.9.1 dev c1-eth1 (proto static)"], Drift("c1", table));
    }

    [Fact]
    public void On_a_machine_a_route_through_its_management_interface_is_its_own_and_one_through_a_fabric_port_is_not()
    {
        var table = FibSamples.Edit(FibSamples.Of("c1"), routes =>
        {
            routes.Add(new JsonObject { ["dst"] = "default", ["gateway"] = "192.168.77.254", ["dev"] = "lbmgmt0", ["protocol"] = "dhcp", ["flags"] = new JsonArray() });
            routes.Add(new JsonObject { ["dst"] = "192.168.77.0/24", ["dev"] = "lbmgmt0", ["protocol"] = "kernel", ["scope"] = "link", ["prefsrc"] = "192.168.77.9" });
            routes.Add(new JsonObject { ["dst"] = "10.99.0.0/24", ["gateway"] = "20.1.9.1", ["dev"] = "c1-eth1", ["protocol"] = "static", ["flags"] = new JsonArray() });
        });
        Assert.True(SwitchFib.TryParse(table, out var fib, out var error), error);
        var planned = FibSamples.CoursePlan.Forwarding.For("c1");
        var ports = new HashSet<string>(FibSamples.CoursePlan.Fabric.LinksOf("c1").Select(l => l.End("c1").Name), StringComparer.Ordinal);

        Assert.Equal("c1: unexpected route 10.99.0.0/24 via 20.1.9.1 dev c1-eth1 (proto static)", string.Join(" | ", FibDrift.Compare(planned, fib, SwitchTarget.Linux, ports)));
        Assert.Equal(2, FibDrift.Compare(planned, fib, SwitchTarget.Linux).Length); // on the testbed every route is the plan's
    }

    [Fact]
    public void A_bgp_route_the_plan_does_not_have_is_unexpected_on_frr()
    {
        var table = FibSamples.Edit(AsFrr(FibSamples.Of("c1")), routes =>
            routes.Add(new JsonObject { ["dst"] = "10.99.0.0/24", ["nhid"] = 99, ["gateway"] = "20.1.9.1", ["dev"] = "c1-eth1", ["protocol"] = "bgp", ["metric"] = 20 }));

        Assert.Equal(["c1: unexpected route 10.99.0.0/24 via 20.1.9.1 dev c1-eth1 (proto bgp, metric 20)"], Drift("c1", table, SwitchTarget.Frr));
    }

    [Fact]
    public void A_second_route_for_a_planned_prefix_is_unexpected()
    {
        var table = FibSamples.Edit(FibSamples.Of("t1"), routes =>
            routes.Add(new JsonObject { ["dst"] = "20.0.0.1", ["gateway"] = "20.13.1.2", ["dev"] = "t1-eth3", ["metric"] = 100 }));

        Assert.Equal(["t1: unexpected route 20.0.0.1/32 via 20.13.1.2 dev t1-eth3 (proto boot, metric 100)"], Drift("t1", table));
    }

    [Fact]
    public void A_blackhole_in_place_of_a_planned_route_is_drift()
    {
        var table = FibSamples.Edit(FibSamples.Of("a1"), routes =>
        {
            routes.Remove(FibSamples.Route(routes, "20.0.0.1"));
            routes.Add(new JsonObject { ["type"] = "blackhole", ["dst"] = "20.0.0.1", ["flags"] = new JsonArray() });
        });

        Assert.Equal(["a1: 20.0.0.1/32 via 20.13.1.1 dev a1-eth3 expected; kernel has blackhole"], Drift("a1", table));
    }

    [Fact]
    public void An_attached_host_on_the_wrong_port_is_drift()
    {
        var table = FibSamples.Edit(FibSamples.Of("t1"), routes => FibSamples.Route(routes, "10.13.1.2")["dev"] = "t1-eth2");

        Assert.Equal(["t1: 10.13.1.2/32 dev t1-eth1 expected; kernel reaches 10.13.1.2 by 10.13.1.2/32 dev t1-eth2 (proto boot)"], Drift("t1", table));
    }

    [Fact]
    public void An_attached_host_reached_through_a_gateway_is_drift()
    {
        var table = FibSamples.Edit(FibSamples.Of("t1"), routes =>
        {
            var host = FibSamples.Route(routes, "10.13.2.2");
            host["gateway"] = "20.13.1.2";
            host["dev"] = "t1-eth3";
        });

        Assert.Equal(["t1: 10.13.2.2/32 dev t1-eth2 expected; kernel reaches 10.13.2.2 by 10.13.2.2/32 via 20.13.1.2 dev t1-eth3 (proto boot)"], Drift("t1", table));
    }

    [Fact]
    public void On_linux_the_scripts_host_route_must_be_there_even_though_the_connected_subnet_reaches_the_host()
    {
        var table = FibSamples.Edit(FibSamples.Of("t1"), routes => routes.Remove(FibSamples.Route(routes, "10.13.1.2")));

        Assert.Equal(["t1: 10.13.1.2/32 missing (the connected 10.13.1.0/24 still reaches the host)"], Drift("t1", table));
    }

    [Fact]
    public void An_frr_table_has_no_drift_connected_subnets_reaching_the_hosts_and_bgp_the_rest()
    {
        var table = AsFrr(FibSamples.Of("t1"));
        Assert.True(SwitchFib.TryParse(table, out var fib, out _));
        Assert.DoesNotContain(fib.Routes, r => r.Destination.Length == 32 && r.Destination.Network.ToString().StartsWith("10.13.", StringComparison.Ordinal));
        Assert.Equal(15, fib.Routes.Count(r => r.Protocol == "bgp" && r.Metric == 20));

        Assert.Empty(Drift("t1", table, SwitchTarget.Frr));
        Assert.Equal(2, Drift("t1", table, SwitchTarget.Linux).Count);
    }

    [Fact]
    public void On_frr_a_planned_route_not_installed_by_bgp_is_drift()
    {
        var table = FibSamples.Edit(AsFrr(FibSamples.Of("a1")), routes => FibSamples.Route(routes, "10.14.3.0/24")["protocol"] = "static");

        Assert.Equal(["a1: 10.14.3.0/24 via 20.14.1.1 dev a1-eth4 is proto static, not from BGP"], Drift("a1", table, SwitchTarget.Frr));
    }

    [Fact]
    public void On_frr_an_attached_host_whose_subnet_is_gone_is_reached_by_nothing()
    {
        var table = FibSamples.Edit(AsFrr(FibSamples.Of("t1")), routes => routes.Remove(FibSamples.Route(routes, "10.13.2.0/24")));

        Assert.Equal(["t1: 10.13.2.2/32 dev t1-eth2 expected; kernel has no route to 10.13.2.2"], Drift("t1", table, SwitchTarget.Frr));
    }

    [Fact]
    public void An_empty_table_misses_every_planned_route()
    {
        var drift = Drift("t1", "[]");

        Assert.Equal(FibSamples.CoursePlan.Forwarding.For("t1").Routes.Length, drift.Count);
        Assert.Equal("t1: 10.13.1.2/32 dev t1-eth1 expected; kernel has no route to 10.13.1.2", drift[0]);
        Assert.Equal("t1: 10.14.3.0/24 missing", drift[2]);
    }
}
