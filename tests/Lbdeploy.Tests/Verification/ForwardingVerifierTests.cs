using System.Collections.Immutable;
using System.Diagnostics;
using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Tests.Topology;
using Lbdeploy.Topology;
using Lbdeploy.Verification;

namespace Lbdeploy.Tests.Verification;

public sealed class ForwardingVerifierTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("20.0.0.1");
    private static readonly ForwardingPlan Course =
        Router.Build(FabricLoader.Load(RepoPaths.CourseAppConfig), [new VipPlacement(Vip, ["h1", "h2"])]);
    private static readonly string[] CourseDips = ["h13", "h14", "h15", "h16"];

    private static VerificationReport VerifyCourse(ForwardingPlan plan) =>
        ForwardingVerifier.Verify(plan, VerificationScope.ForPlan(plan, dips: CourseDips));

    public static TheoryData<string, int, int, int, string> Fabrics => new()
    {
        { "fat tree", 4, 0, 0, "h1,h2" },
        { "fat tree", 6, 0, 0, "h1,h2,h30" },
        { "fat tree", 8, 0, 0, "h1,h100" },
        { "leaf-spine", 4, 2, 3, "h1,h2" },
        { "leaf-spine", 6, 3, 4, "h1,h5,h24" },
        { "leaf-spine", 2, 4, 1, "h2" },
    };

    [Theory]
    [MemberData(nameof(Fabrics))]
    public void Generated_fabrics_pass(string kind, int a, int b, int c, string muxes)
    {
        var config = kind == "fat tree" ? FabricGenerators.FatTree(a) : FabricGenerators.LeafSpine(a, b, c);
        var fabric = FabricLoader.FromAppConfig(config, kind);
        var plan = Router.Build(fabric, [new VipPlacement(Vip, [.. muxes.Split(',')])]);
        var dips = fabric.Hosts.TakeLast(2).Select(h => h.Name).ToList();
        var report = ForwardingVerifier.Verify(plan, VerificationScope.ForPlan(plan, dips: dips));
        Assert.True(report.Passed, report.ToString());
        Assert.Contains(report.Checks, ch => ch.Name == "hosts reach hosts" && ch.Passed);
        Assert.Contains(report.Checks, ch => ch.Name == $"even split among the muxes of {Vip}" && ch.Passed);
    }

    [Fact]
    public void Course_plan_passes_every_check()
    {
        var report = VerifyCourse(Course);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(
            ["scope", "hosts reach hosts", $"clients reach a mux of {Vip}", $"even split among the muxes of {Vip}", "muxes reach DIPs", "no forwarding loops", "no black holes"],
            report.Checks.Select(c => c.Name));
        Assert.Equal("240 host pairs, every ECMP branch delivers", report.Checks[1].Detail);
    }

    [Fact]
    public void A_missing_route_is_a_black_hole_with_the_failing_path()
    {
        var broken = Edit(Course, "c1", routes => routes.RemoveAll(r => r.Destination == Ipv4Prefix.Parse("10.19.13.0/24")));
        var report = VerifyCourse(broken);
        Assert.False(report.Passed);
        var hosts = Failed(report, "hosts reach hosts");
        // h1 sends via t1; one of t1's branches (a1) reaches c1, which has no route
        Assert.Contains(hosts.Failures, f => f.Path == "h1 -> t1 -> a1 -> c1 -> (no route to 10.19.13.0/24 at c1)");
        Assert.All(hosts.Failures, f => Assert.Equal(FailureKind.NoRoute, f.Kind));
        Assert.Contains("(no route to 10.19.13.0/24 at c1)", hosts.Detail);
        Assert.False(Check(report, "no black holes").Passed);
        Assert.False(Check(report, "muxes reach DIPs").Passed);
        Assert.True(Check(report, "no forwarding loops").Passed);
    }

    [Fact]
    public void Two_switches_pointing_at_each_other_are_a_loop()
    {
        var target = Ipv4Prefix.Parse("10.19.13.0/24");
        var a1 = Course.Fabric;
        var broken = Edit(Course, "a1", routes => Redirect(routes, target, Hop(a1, "a1", "c1")));
        broken = Edit(broken, "c1", routes => Redirect(routes, target, Hop(a1, "c1", "a1")));
        var report = VerifyCourse(broken);
        var loops = Failed(report, "no forwarding loops");
        Assert.Contains(loops.Failures, f => f.Path.Contains("a1 -> c1 -> a1", StringComparison.Ordinal) && f.Path.EndsWith("(loop)", StringComparison.Ordinal));
        Assert.Contains(Failed(report, "hosts reach hosts").Failures, f => f.Kind == FailureKind.Loop && f.Path.StartsWith("h1 -> t1 -> a1 -> c1 -> a1", StringComparison.Ordinal));
    }

    [Fact]
    public void An_uneven_mux_split_is_caught()
    {
        var vip = Ipv4Prefix.Host(Vip);
        var fabric = Course.Fabric;
        var doubled = Edit(Course, "t1", routes => Redirect(routes, vip, Hop(fabric, "t1", "h1"), Hop(fabric, "t1", "h1"), Hop(fabric, "t1", "h2")));
        var split = Failed(VerifyCourse(doubled), $"even split among the muxes of {Vip}");
        Assert.Equal("t1 -> (20.0.0.1 next-hop slots: h1 x2, h2 x1; each attached mux needs the same share)", split.Failures.Single().Path);

        var oneMux = Edit(Course, "t1", routes => Redirect(routes, vip, Hop(fabric, "t1", "h1")));
        Assert.Contains("h2 x0", Failed(VerifyCourse(oneMux), $"even split among the muxes of {Vip}").Detail);
    }

    [Fact]
    public void Delivery_to_the_wrong_host_is_caught()
    {
        var fabric = Course.Fabric;
        var broken = Edit(Course, "t7", routes => Redirect(routes, Ipv4Prefix.Parse("10.19.13.2/32"), Hop(fabric, "t7", "h14")));
        var hosts = Failed(VerifyCourse(broken), "hosts reach hosts");
        Assert.Contains(hosts.Failures, f => f.Kind == FailureKind.WrongHost && f.Path.EndsWith("t7 -> h14 -> (h14 does not own 10.19.13.2)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_vip_route_leading_away_from_the_muxes_fails_the_client_check()
    {
        var fabric = Course.Fabric;
        var broken = Edit(Course, "c3", routes => routes.RemoveAll(r => r.Kind == RouteKind.Vip));
        var report = VerifyCourse(broken);
        var vipCheck = Failed(report, $"clients reach a mux of {Vip}");
        Assert.Contains(vipCheck.Failures, f => f.Path.EndsWith("c3 -> (no route to 20.0.0.1/32 at c3)", StringComparison.Ordinal));
        Assert.True(Check(report, "hosts reach hosts").Passed);
    }

    [Fact]
    public void Unknown_scope_names_fail_the_scope_check()
    {
        var scope = VerificationScope.ForPlan(Course, clients: ["h3", "h77"], dips: ["h13"]);
        var report = ForwardingVerifier.Verify(Course, scope);
        Assert.Contains("client 'h77'", Failed(report, "scope").Detail);
    }

    [Fact]
    public void K16_fat_tree_routes_and_verifies_quickly()
    {
        var fabric = FabricLoader.FromAppConfig(FabricGenerators.FatTree(16), "k16");
        var clock = Stopwatch.StartNew();
        var plan = Router.Build(fabric, [new VipPlacement(Vip, ["h1", "h2", "h600"])]);
        var report = ForwardingVerifier.Verify(plan, VerificationScope.ForPlan(plan, dips: ["h1000", "h1001"]));
        clock.Stop();
        Assert.True(report.Passed, report.ToString());
        // well under 2 s on an idle core; the bound leaves room for a loaded 2-core CI machine
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"route + verify took {clock.Elapsed}");
    }

    [Fact]
    public void A_disconnected_fabric_routes_what_it_can_and_fails_verification()
    {
        var fabric = FabricLoader.Parse("""
            {"topology": {"assignment_strategy": "l3", "hosts": {"h1": {}, "h2": {}}, "switches": {"s1": {}, "s2": {}},
             "links": [["h1", "s1"], ["h2", "s2"]]}}
            """, "split.json");
        var plan = Router.Build(fabric, []);
        var report = ForwardingVerifier.Verify(plan, VerificationScope.ForPlan(plan));
        var hosts = Failed(report, "hosts reach hosts");
        Assert.Contains(hosts.Failures, f => f.Path == "h1 -> s1 -> (no route to 10.2.2.0/24 at s1)");
        Assert.Equal("2 of 2 host pairs fail; e.g. h2 -> s2 -> (no route to 10.1.1.0/24 at s2)", hosts.Detail);
    }

    private static VerificationCheck Check(VerificationReport report, string name) => report.Checks.Single(c => c.Name == name);

    private static VerificationCheck Failed(VerificationReport report, string name)
    {
        var check = Check(report, name);
        Assert.False(check.Passed, $"{name} should fail");
        Assert.NotEmpty(check.Failures.IsDefault ? [] : check.Failures.AsEnumerable());
        return check;
    }

    private static ForwardingPlan Edit(ForwardingPlan plan, string switchName, Func<ImmutableArray<Route>, ImmutableArray<Route>> edit)
    {
        var old = plan.For(switchName);
        return plan with { Switches = plan.Switches.Replace(old, old with { Routes = edit(old.Routes) }) };
    }

    private static ImmutableArray<Route> Redirect(ImmutableArray<Route> routes, Ipv4Prefix destination, params NextHop[] hops)
    {
        var old = routes.Single(r => r.Destination == destination);
        return routes.Replace(old, old with { NextHops = [.. hops] });
    }

    private static NextHop Hop(Fabric fabric, string from, string to) =>
        new(to, fabric.InterfaceToward(from, to), fabric.InterfaceToward(to, from));
}
