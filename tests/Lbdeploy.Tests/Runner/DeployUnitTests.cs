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

    [Fact]
    public void A_mux_with_the_second_chance_names_its_peers_history_and_starts_from_the_newest_one()
    {
        var spec = CliRun.DeriveSpec(Spec, ("engine:\n", "engine:\n  second_chance: { enabled: true }\n"));
        var muxes = DeployUnit.FromPlan(Planner.Create(spec)).Where(u => u.Kind == UnitKind.Mux).ToList();
        Assert.Equal([Path.Combine(Lbdeploy.Common.StateDirectories.Sockets, "h2-mux.pool-history")], muxes[0].PoolHistorySources.ToArray());
        Assert.Empty(DeployUnit.FromPlan(Planner.Create(Spec)).Single(u => u.Kind == UnitKind.Mux && u.Host == "h1").PoolHistorySources);

        var folder = Directory.CreateTempSubdirectory("lbdeploy-history-").FullName;
        try
        {
            string In(string name) => Path.Combine(folder, name);
            File.WriteAllText(In("h2-mux.pool-history"), "older");
            File.SetLastWriteTimeUtc(In("h2-mux.pool-history"), DateTime.UtcNow.AddMinutes(-1));
            File.WriteAllText(In("h3-mux.pool-history"), "newer");
            var joining = muxes[0] with { PoolHistorySources = [In("h2-mux.pool-history"), In("h3-mux.pool-history"), In("h4-mux.pool-history")] };

            UnitOperations.SeedPoolHistory(joining, In("h1-mux.sock"));
            Assert.Equal("newer", File.ReadAllText(In("h1-mux.pool-history")));

            File.WriteAllText(In("h1-mux.pool-history"), "its own"); // saved after the peers' last change
            UnitOperations.SeedPoolHistory(joining, In("h1-mux.sock"));
            Assert.Equal("its own", File.ReadAllText(In("h1-mux.pool-history")));

            File.SetLastWriteTimeUtc(In("h1-mux.pool-history"), DateTime.UtcNow.AddMinutes(-2)); // out of the plan meanwhile
            UnitOperations.SeedPoolHistory(joining, In("h1-mux.sock"));
            Assert.Equal("newer", File.ReadAllText(In("h1-mux.pool-history")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_docroot_over_proc_is_fingerprinted_in_bounds_without_an_error()
    {
        // A docroot of / (the spec warns) reaches /proc: files vanish and some cannot be read while they are walked,
        // and a zombie's net folder cannot be listed at all (EINVAL): the sleep below never reaps the `true` it forked.
        using var parent = System.Diagnostics.Process.Start("sh", ["-c", "true & exec sleep 30"])!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (!HasZombieChild(parent.Id) && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.True(HasZombieChild(parent.Id), "no zombie to walk past");
            var fingerprint = DeployUnit.DocRootFingerprint("/proc");
            Assert.InRange(fingerprint.Split('\n').Length, 1, DeployUnit.DocRootFingerprintFiles);
        }
        finally
        {
            parent.Kill();
        }
        Assert.Equal("", DeployUnit.DocRootFingerprint("/nonexistent-docroot"));
    }

    /// <summary>A child of <paramref name="parent"/> that exited and was not reaped (not alive, still listed).</summary>
    private static bool HasZombieChild(int parent) =>
        Processes.All().Any(p => Processes.ParentOf(p) == parent && !Processes.IsAlive(p));

    [Fact]
    public void The_applied_network_records_every_host_not_only_the_roles_so_pingall_reaches_them()
    {
        var spec = CliRun.DeriveSpec(Spec, ("muxes: [h1, h2]", "muxes: [h1]"), ("dips: [h13, h14, h15, h16]", "dips: [h14]\nclients: [h3, h4]"));
        var nodes = Deployer.NodesOf(Planner.Create(spec)).ToHashSet();
        Assert.Equal(16 + 20, nodes.Count); // h2 and h13 have no role, and pingall still pings them
        Assert.Contains("h2", nodes);
    }
}
