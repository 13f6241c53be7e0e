using Lbdeploy.Planning;
using Lbdeploy.Runner;
using Lbdeploy.Tests.EndToEnd;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.Runner;

/// <summary>The units apply manages, from the real course plan (no network needed).</summary>
public sealed class DeployUnitTests
{
    private static readonly string Spec = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");

    [Fact]
    public void The_course_plan_has_switches_then_vips_servers_agents_muxes()
    {
        var units = DeployUnit.FromPlan(Planner.Create(Spec));
        Assert.Equal(20 + 4 + 4 + 4 + 2, units.Length);
        Assert.Equal(units.Select(u => u.Kind).Order().ToList(), units.Select(u => u.Kind).ToList());
        Assert.All(units.Where(u => u.Kind == UnitKind.Switch), u => Assert.Equal(2, u.Files.Length)); // script + tear-down
        Assert.Equal(["h1", "h2"], units.Where(u => u.Kind == UnitKind.Mux).Select(u => u.Host));
        Assert.Equal(units.Select(u => u.Hash), DeployUnit.FromPlan(Planner.Create(Spec)).Select(u => u.Hash));
    }

    [Fact]
    public void A_smaller_dip_pool_reloads_engines_and_removes_only_that_dip()
    {
        var before = DeployUnit.FromPlan(Planner.Create(Spec));
        var smaller = CliRun.DeriveSpec(Spec, ("dips: [h13, h14, h15, h16]", "dips: [h13, h14, h15]"));
        var after = DeployUnit.FromPlan(Planner.Create(smaller));
        var applied = before.Select(u => UnitOperations.Applied(u) with { Pid = 1 }).ToList();

        var changes = ChangeSet.Compute(after, applied, _ => true);

        Assert.All(changes.Changes.Where(c => c.Kind == ChangeKind.Update), c => Assert.True(c.Desired!.IsEngine, c.Label));
        Assert.Equal(["mux h1", "mux h2"], changes.Changes.Where(c => c.Kind == ChangeKind.Update && c.Desired!.Kind == UnitKind.Mux).Select(c => c.Label));
        Assert.Equal(["agent h16", "server h16", "vip h16"], changes.Changes.Where(c => c.Kind == ChangeKind.Remove).Select(c => c.Label));
        Assert.Equal(0, changes.Count(ChangeKind.Add));
    }

    [Fact]
    public void Verify_sends_enough_flows_that_every_dip_expects_a_dozen()
    {
        Assert.Equal(5, new Verifier(Planner.Create(Spec), MininetNetwork.FromNodes(new Dictionary<string, int>()), RunnerEnvironment.Default).RequestsPerClient);
        var leafspine = Planner.Create(Path.Combine(CliRun.RepositoryRoot, "examples", "leafspine.yaml"));
        // weights 1,1,2,1,2 (h12 drained): 12 flows for each weight-1 DIP = 84 flows over 4 clients.
        Assert.Equal(21, new Verifier(leafspine, MininetNetwork.FromNodes(new Dictionary<string, int>()), RunnerEnvironment.Default).RequestsPerClient);
    }
}
