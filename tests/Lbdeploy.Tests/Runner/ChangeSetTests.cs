using System.Collections.Immutable;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner;

public sealed class ChangeSetTests
{
    private static DeployUnit Unit(UnitKind kind, string host, string hash) =>
        new(kind, host, hash, [$"{host}.file"], kind == UnitKind.Server ? "php -S" : null, null);

    private static AppliedUnit Applied(DeployUnit unit, int? pid = null) =>
        UnitOperations.Applied(unit) with { Pid = pid };

    [Fact]
    public void Nothing_applied_adds_every_unit_in_plan_order()
    {
        ImmutableArray<DeployUnit> desired = [Unit(UnitKind.Switch, "t1", "a"), Unit(UnitKind.Vip, "h13", "b"), Unit(UnitKind.Mux, "h1", "c")];
        var changes = ChangeSet.Compute(desired, null, _ => true);
        Assert.Equal([ChangeKind.Add, ChangeKind.Add, ChangeKind.Add], changes.Changes.Select(c => c.Kind));
        Assert.Equal(["switch t1", "vip h13", "mux h1"], changes.Changes.Select(c => c.Label));
        Assert.Equal("3 to add, 0 to change, 0 to remove, 0 unchanged", changes.Summary);
    }

    [Fact]
    public void Same_hashes_and_live_processes_change_nothing()
    {
        ImmutableArray<DeployUnit> desired = [Unit(UnitKind.Switch, "t1", "a"), Unit(UnitKind.Mux, "h1", "c")];
        var changes = ChangeSet.Compute(desired, [.. desired.Select(u => Applied(u, 42))], _ => true);
        Assert.True(changes.IsEmpty);
        Assert.Equal(2, changes.Unchanged);
    }

    [Fact]
    public void A_changed_mux_config_is_an_update_and_a_dead_engine_a_restart()
    {
        var mux = Unit(UnitKind.Mux, "h1", "new");
        var agent = Unit(UnitKind.Agent, "h13", "same");
        var applied = new List<AppliedUnit> { Applied(mux with { Hash = "old" }, 10), Applied(agent, 11) };
        var changes = ChangeSet.Compute([agent, mux], applied, u => u.Host != "h13");
        Assert.Equal([(ChangeKind.Restart, "agent h13"), (ChangeKind.Update, "mux h1")], changes.Changes.Select(c => (c.Kind, c.Label)));
        Assert.Contains("reload", changes.Changes[1].Detail);
        Assert.Equal("~", changes.Changes[1].Symbol);
    }

    [Fact]
    public void Units_left_out_of_the_plan_are_removed_muxes_first()
    {
        var applied = new List<AppliedUnit>
        {
            Applied(Unit(UnitKind.Vip, "h16", "v")),
            Applied(Unit(UnitKind.Agent, "h16", "a"), 5),
            Applied(Unit(UnitKind.Server, "h16", "s"), 6),
        };
        var changes = ChangeSet.Compute([], applied, _ => true);
        Assert.Equal(["agent h16", "server h16", "vip h16"], changes.Changes.Select(c => c.Label));
        Assert.All(changes.Changes, c => Assert.Equal("-", c.Symbol));
    }

    [Fact]
    public void Drift_repairs_an_unchanged_unit_and_a_dead_process_is_drift_too()
    {
        var sw = Unit(UnitKind.Switch, "a2", "same");
        var changed = Unit(UnitKind.Switch, "a3", "new");
        var agent = Unit(UnitKind.Agent, "h15", "same");
        var applied = new List<AppliedUnit> { Applied(sw), Applied(changed with { Hash = "old" }), Applied(agent, 77) };
        var drift = new Dictionary<string, ImmutableArray<Drift>>
        {
            ["switch:a2"] = [new Drift("switch a2", "a2", "10.14.3.0/24 missing")],
            ["switch:a3"] = [new Drift("switch a3", "a3", "10.14.4.0/24 missing")],
        };
        var changes = ChangeSet.Compute([sw, changed, agent], applied, u => u.Host != "h15", drift);
        Assert.Equal([(ChangeKind.Repair, "switch a2"), (ChangeKind.Update, "switch a3"), (ChangeKind.Restart, "agent h15")], changes.Changes.Select(c => (c.Kind, c.Label)));
        Assert.Equal("  ~ switch a2    drift: 10.14.3.0/24 missing: apply it again", changes.Changes[0].ToString());
        Assert.Equal(["switch a2: 10.14.3.0/24 missing", "agent h15: process 77 is gone"], changes.Drift.Select(d => d.ToString()));
        Assert.Equal("0 to add, 3 to change, 0 to remove, 0 unchanged", changes.Summary);
    }
}
