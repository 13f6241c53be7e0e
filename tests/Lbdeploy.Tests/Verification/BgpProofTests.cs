using System.Collections.Immutable;
using Lbdeploy.Bgp;
using Lbdeploy.Routing;
using Lbdeploy.Tests.Bgp;
using Lbdeploy.Topology;
using Lbdeploy.Verification;

namespace Lbdeploy.Tests.Verification;

/// <summary>
/// The plan-time proof: the planned design converges to the router's forwarding plan on every fabric lbdeploy accepts,
/// and ASN plans that break RFC 7938's rules (fed in place of the planned one) fail it with the switch, the prefix and
/// the AS paths that show why.
/// </summary>
public sealed class BgpProofTests
{
    public static TheoryData<string, int, int, int, string> Fabrics => new()
    {
        { "course", 4, 0, 0, "h1,h2" },
        { "course", 4, 0, 0, "h1,h5,h16" },
        { "fat tree", 6, 0, 0, "h1,h2,h30" },
        { "fat tree", 8, 0, 0, "h1,h100" },
        { "leaf-spine", 4, 2, 3, "h1,h4" },
        { "leaf-spine", 6, 3, 4, "h1,h5,h24" },
        { "leaf-spine", 2, 4, 1, "h2" },
    };

    private static Fabric FabricOf(string kind, int a, int b, int c) => kind switch
    {
        "course" => BgpDesignTests.Course,
        "fat tree" => BgpDesignTests.FatTree(a),
        _ => BgpDesignTests.LeafSpine(a, b, c),
    };

    private static (BgpDesign Design, ForwardingPlan Plan) Planned(Fabric fabric, params string[] muxes) =>
        (BgpDesignTests.Design(fabric, muxes), Router.Build(fabric, [new VipPlacement(BgpDesignTests.Vip, [.. muxes])]));

    [Theory]
    [MemberData(nameof(Fabrics))]
    public void The_planned_design_converges_to_the_forwarding_plan(string kind, int a, int b, int c, string muxes)
    {
        var (design, plan) = Planned(FabricOf(kind, a, b, c), muxes.Split(','));
        var check = BgpProof.Prove(design, plan);
        Assert.True(check.Passed, $"{check.Detail}\n{string.Join("\n", check.Failures)}");
        var prefixes = plan.Fabric.Hosts.Select(h => h.Address.Subnet).Distinct().Count() + 1;
        Assert.StartsWith($"{prefixes} prefixes at {plan.Switches.Length} switches over {design.SessionCount} eBGP sessions", check.Detail);
    }

    [Fact]
    public void The_simulation_finds_the_valley_free_AS_paths()
    {
        var (design, _) = Planned(BgpDesignTests.Course, "h1", "h2");
        var groups = PathVector.Groups(design);
        var t3Subnets = groups.Single(g => g.Prefixes.Contains(Lb.Core.Addressing.Ipv4Prefix.Parse("10.15.5.0/24")));
        Assert.Equal(2, t3Subnets.Prefixes.Length); // both of t3's host subnets converge alike
        var outcome = PathVector.Converge(design, t3Subnets);
        string PathsAt(string speaker) => string.Join(" | ", outcome.Routes[design.Speakers.IndexOf(design.Speaker(speaker))]!.Paths);
        string CandidatesAt(string speaker) => string.Join(",", outcome.Routes[design.Speakers.IndexOf(design.Speaker(speaker))]!.Candidates.Select(i => design.Speakers[i].Name));
        // t1 (pod 1) reaches t3 (pod 2) up through pod 1's aggregation AS, a core, down pod 2's aggregation AS.
        Assert.Equal("4200000002 4200000001 4200000003 4200000008", PathsAt("t1"));
        Assert.Equal("a1,a2", CandidatesAt("t1"));
        Assert.Equal("c1,c2", CandidatesAt("a1"));
        Assert.Equal("(local)", PathsAt("t3"));
        // t4 shares t3's pod: straight through the pod's aggregation switches, never up to a core.
        Assert.Equal("4200000003 4200000008", PathsAt("t4"));
        Assert.Null(outcome.Routes[design.Speakers.IndexOf(design.Speaker("h1"))]); // a mux accepts nothing
    }

    [Fact]
    public void ToRs_of_one_pod_sharing_an_ASN_lose_each_other()
    {
        var (design, plan) = Planned(BgpDesignTests.Course, "h1", "h2");
        var broken = WithAsn(design, "t2", design.Speaker("t1").Asn);
        var check = BgpProof.Prove(broken, plan);
        Assert.False(check.Passed);
        var failure = check.Failures.First(f => f.From == "t1" && f.To == "10.14.3.0/24");
        Assert.Equal(
            "BGP installs no route: a1 offers AS path 4200000002 4200000006, which holds t1's own AS 4200000006; a2 offers AS path 4200000002 4200000006, which holds t1's own AS 4200000006; the plan forwards to a1, a2",
            failure.Path);
    }

    [Fact]
    public void Aggregation_switches_of_different_pods_sharing_an_ASN_cut_the_pods_apart()
    {
        var (design, plan) = Planned(BgpDesignTests.Course, "h1", "h2");
        var podOne = design.Speaker("a1").Asn;
        var broken = WithAsn(WithAsn(design, "a3", podOne), "a4", podOne);
        var check = BgpProof.Prove(broken, plan);
        Assert.False(check.Passed);
        Assert.Contains(check.Failures, f => f.From == "a3" && f.To == "10.13.1.0/24" && f.Path.StartsWith("BGP installs no route: c1 offers AS path 4200000001 4200000002 4200000006, which holds a3's own AS 4200000002", StringComparison.Ordinal));
        Assert.Matches("^[0-9]+ of 340 switch-prefix pairs differ", check.Detail);
    }

    [Fact]
    public void An_ASN_per_switch_without_multipath_relax_leaves_the_ECMP_sets_to_tie_breaks()
    {
        var (design, plan) = Planned(BgpDesignTests.Course, "h1", "h2");
        var unique = design;
        var next = 4_210_000_000u;
        foreach (var sw in design.Switches) unique = WithAsn(unique, sw.Name, next++);
        var check = BgpProof.Prove(unique, plan);
        Assert.False(check.Passed);
        var failure = check.Failures.First(f => f.From == "a3" && f.To == "10.13.1.0/24");
        Assert.StartsWith("the ECMP set depends on tie-breaks: equal-best paths come from neighbors of AS 4210000008 and 4210000009 (c1, c2); without `bgp bestpath as-path multipath-relax`", failure.Path);

        // With relax everywhere, unique ASNs converge to the plan too: the shared tier ASNs are about valley paths
        // after failures, not about the steady state.
        var relaxed = unique with { Speakers = [.. unique.Speakers.Select(s => s with { MultipathRelax = s.Role != BgpRole.Mux })] };
        Assert.True(BgpProof.Prove(relaxed, plan).Passed);
    }

    [Fact]
    public void Removing_the_planned_relax_at_a_spine_is_caught()
    {
        var (design, plan) = Planned(BgpDesignTests.LeafSpine(4, 2, 3), "h1", "h4");
        var broken = design with { Speakers = [.. design.Speakers.Select(s => s.Name == "s1" ? s with { MultipathRelax = false } : s)] };
        var check = BgpProof.Prove(broken, plan);
        Assert.False(check.Passed);
        var failure = Assert.Single(check.Failures);
        Assert.Equal(("s1", "20.0.0.1/32"), (failure.From, failure.To));
        Assert.Contains("without `bgp bestpath as-path multipath-relax`", failure.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaves_sharing_an_ASN_make_the_VIP_route_depend_on_the_spines_tie_break()
    {
        var (design, plan) = Planned(BgpDesignTests.LeafSpine(4, 2, 3), "h1", "h4");
        var broken = WithAsn(design, "l3", design.Speaker("l2").Asn);
        var check = BgpProof.Prove(broken, plan);
        Assert.False(check.Passed);
        var failure = check.Failures.First(f => f.From == "l3" && f.To == "20.0.0.1/32");
        Assert.StartsWith("the ECMP set depends on tie-breaks: s1, s2 may each advertise an AS path holding l3's AS", failure.Path);
    }

    [Fact]
    public void Too_small_maximum_paths_is_caught()
    {
        var (design, plan) = Planned(BgpDesignTests.Course, "h1", "h2");
        var broken = design with { Speakers = [.. design.Speakers.Select(s => s.Name == "t3" ? s with { MaximumPaths = 1 } : s)] };
        var check = BgpProof.Prove(broken, plan);
        Assert.False(check.Passed);
        Assert.All(check.Failures, f => Assert.Equal("t3", f.From));
        Assert.Contains("2 equal-best paths (a3, a4) but maximum-paths 1", check.Failures[0].Path, StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_configured_at_one_end_only_is_caught()
    {
        var (design, plan) = Planned(BgpDesignTests.Course, "h1", "h2");
        var broken = design with { Speakers = [.. design.Speakers.Select(s => s.Name == "a1" ? s with { Neighbors = [.. s.Neighbors.Where(n => n.Peer != "c1")] } : s)] };
        var check = BgpProof.Prove(broken, plan);
        Assert.False(check.Passed);
        Assert.Equal("session a1-c1: a1 does not configure it, so it never comes up", check.Failures[0].Path);
    }

    [Fact]
    public void A_filter_that_drops_a_subnet_is_caught_where_it_bites()
    {
        var (design, plan) = Planned(BgpDesignTests.Course, "h1", "h2");
        var dropped = Lb.Core.Addressing.Ipv4Prefix.Parse("10.20.16.0/24");
        var filters = design.Filters.Select(f => f.Name == BgpDesign.FabricFilter ? f with { Permitted = f.Permitted.Remove(dropped) } : f).ToImmutableArray();
        var check = BgpProof.Prove(design with { Filters = filters }, plan);
        Assert.False(check.Passed);
        Assert.Contains(check.Failures, f => f.From == "a7" && f.To == "10.20.16.0/24" && f.Path == "BGP installs no route: t8 filters it out (FABRIC); the plan forwards to t8");
    }

    private static BgpDesign WithAsn(BgpDesign design, string speaker, uint asn) =>
        design with { Speakers = [.. design.Speakers.Select(s => s.Name == speaker ? s with { Asn = asn } : s)] };
}
