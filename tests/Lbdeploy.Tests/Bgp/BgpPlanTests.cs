using Lbdeploy.Common;
using Lbdeploy.Planning;
using Lbdeploy.Tests.Golden;

namespace Lbdeploy.Tests.Bgp;

/// <summary>How `plan` reports the BGP proof: a passing line in the summary, or one located line with the failing path.</summary>
public sealed class BgpPlanTests
{
    [Fact]
    public void A_broken_ASN_plan_fails_the_plan_at_switches_target_with_the_failing_path()
    {
        var (path, text) = GoldenPlanTests.SpecOf("fattree-frr");
        var plan = Planner.Create(path, "lb.yaml", text);
        var loaded = SpecLoader.Load(path, "lb.yaml", text);
        var design = plan.Bgp!;
        var broken = design with { Speakers = [.. design.Speakers.Select(s => s.Name == "t2" ? s with { Asn = design.Speaker("t1").Asn } : s)] };

        var error = Assert.Throws<SpecException>(() => Planner.ProveBgp(loaded.Spec, broken, plan.Forwarding));
        var line = Assert.Single(error.Diagnostics).ToString();
        Assert.Equal(
            "lb.yaml:17:11: error: switches.target: static check 'BGP converges to the forwarding plan' failed: 5 of 340 switch-prefix pairs differ; "
            + "e.g. at t2 toward 10.13.1.0/24: BGP installs no route: a1 offers AS path 4200000002 4200000006, which holds t2's own AS 4200000006; "
            + "a2 offers AS path 4200000002 4200000006, which holds t2's own AS 4200000006; the plan forwards to a1, a2; "
            + "this fabric is not a Clos the BGP design serves: use switches.target: linux for it",
            line);
    }

    [Fact]
    public void The_summary_shows_the_proof_and_the_ASN_plan()
    {
        var (path, text) = GoldenPlanTests.SpecOf("fattree-frr");
        var summary = Planner.Create(path, "lb.yaml", text).Files["summary.txt"];
        Assert.Contains("  ok  BGP converges to the forwarding plan: 17 prefixes at 20 switches over 34 eBGP sessions", summary, StringComparison.Ordinal);
        Assert.Contains("  4200000006  leaf pod 1         t1: 10.13.1.0/24 10.13.2.0/24", summary, StringComparison.Ordinal);
    }
}
