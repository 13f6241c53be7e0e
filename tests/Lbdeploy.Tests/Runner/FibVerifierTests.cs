using System.Text.Json.Nodes;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;
using Lbdeploy.Spec;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>The verify row "switch FIBs" from what the switch nodes print (fake shell, no mininet).</summary>
public sealed class FibVerifierTests
{
    /// <summary>The course plan's routes over its 20 switches (a1, ..., c1, ..., t1, ...): each has its 16 hosts' and the VIP's.</summary>
    private const int CoursePrefixes = 340;

    /// <summary>Switches t1, a1 and c1 answer with their real samples (the others like a healthy fabric).</summary>
    private static FakeRunner WithSamples(Func<string, string, string>? edit = null)
    {
        var rig = new FakeRunner();
        foreach (var name in new[] { "t1", "a1", "c1" })
        {
            var table = edit is null ? FibSamples.Of(name) : edit(name, FibSamples.Of(name));
            rig.Shell.Answer((host, command) => host == name && command == FibVerifier.Command ? new ShellResult(host, command, 0, table, "") : null);
        }
        return rig;
    }

    private static Task<VerifyCheck> CheckAsync(FakeRunner rig) => FibVerifier.CheckAsync(rig.Plan, rig.Shell);

    [Fact]
    public async Task Switches_holding_the_plans_routes_pass_with_the_count()
    {
        using var rig = WithSamples();

        var row = await CheckAsync(rig);

        Assert.Equal(new VerifyCheck("switch FIBs", true, $"20 switches hold exactly the plan's routes ({CoursePrefixes} prefixes) and ECMP hash settings"), row);
        Assert.Equal(20, rig.Shell.Calls.Count(c => c.Command == FibVerifier.Command));
        Assert.Equal(rig.Plan.Fabric.Switches.Select(s => s.Name).Order(), rig.Shell.Calls.Where(c => c.Command == FibVerifier.Command).Select(c => c.Host).Order());
        Assert.Equal(rig.Plan.Fabric.Switches.Select(s => s.Name).Order(), rig.Shell.Calls.Where(c => c.Command == MultipathDrift.Command).Select(c => c.Host).Order());
    }

    [Fact]
    public async Task Drifting_switches_are_counted_and_their_differences_named_in_plan_order()
    {
        using var rig = WithSamples((name, table) => name switch
        {
            "t1" => FibSamples.Edit(table, routes => FibSamples.Route(routes, "10.14.3.0/24")["nexthops"]!.AsArray().RemoveAt(1)),
            "c1" => FibSamples.Edit(table, routes => routes.Add(new JsonObject { ["dst"] = "10.99.0.0/24", ["gateway"] = "20.1.9.1", ["dev"] = "c1-eth1", ["protocol"] = "static" })),
            _ => table,
        });

        var row = await CheckAsync(rig);

        Assert.Equal(new VerifyCheck("switch FIBs", false,
            "2/20 switches differ from the plan (2 differences): " +
            "c1: unexpected route 10.99.0.0/24 via 20.1.9.1 dev c1-eth1 (proto static) | " +
            "t1: 10.14.3.0/24 via 20.13.1.2 dev t1-eth3, 20.13.2.2 dev t1-eth4 expected; kernel has via 20.13.1.2 dev t1-eth3"), row);
    }

    [Fact]
    public async Task A_switch_whose_ip_fails_or_prints_garbage_fails_the_row_with_the_reason()
    {
        using var rig = WithSamples();
        rig.Shell.Fail("a1", "ip -4 -j route", "Cannot open netlink socket: Operation not permitted");
        rig.Shell.Answer((host, command) => host == "c2" && command == FibVerifier.Command ? new ShellResult(host, command, 0, "Dump terminated", "") : null);

        var row = await CheckAsync(rig);

        Assert.False(row.Passed);
        Assert.StartsWith("2/20 switches differ from the plan (2 differences): a1: `ip -4 -j route show table main` exited 2: Cannot open netlink socket: Operation not permitted | c2: `ip -4 -j route show table main` gave an unreadable table: not JSON (", row.Detail);
        Assert.DoesNotContain('\n', row.Detail);
    }

    [Fact]
    public async Task Empty_tables_everywhere_show_the_first_ten_differences_in_one_line()
    {
        using var rig = new FakeRunner();
        rig.Shell.Answer((host, command) => command == FibVerifier.Command ? new ShellResult(host, command, 0, "[]", "") : null);

        var row = await CheckAsync(rig);

        Assert.False(row.Passed);
        Assert.StartsWith($"20/20 switches differ from the plan ({CoursePrefixes} differences): a1: 10.13.1.0/24 missing | a1: 10.13.2.0/24 missing | ", row.Detail);
        Assert.EndsWith(" | ...", row.Detail);
        Assert.Equal(FibVerifier.ShownDifferences + 1, row.Detail.Split(" | ").Length);
        Assert.DoesNotContain('\n', row.Detail);
    }

    [Fact]
    public async Task Switches_are_read_in_parallel_at_most_eight_at_once()
    {
        using var rig = new FakeRunner();
        var shell = new CountingShell(rig.Shell);

        var row = await FibVerifier.CheckAsync(rig.Plan, shell);

        Assert.True(row.Passed, row.Detail);
        Assert.Equal(FibVerifier.Parallelism, shell.MostAtOnce);
    }

    [Theory]
    [InlineData(SwitchTarget.Linux, true)]
    [InlineData(SwitchTarget.Frr, true)]
    [InlineData(SwitchTarget.Bmv2, false)]
    public void Only_switches_that_are_linux_routers_are_read(SwitchTarget target, bool applies) =>
        Assert.Equal(applies, FibVerifier.AppliesTo(FibSamples.CoursePlan with { Target = target }));

    [Fact]
    public async Task Verify_shows_the_row_right_after_the_watcher()
    {
        using var rig = WithSamples();
        await rig.ApplyAsync();

        var checks = await new Verifier(rig.Plan, rig.Network, rig.Environment).RunAsync();

        var names = checks.Select(c => c.Name).ToList();
        Assert.Equal(names.IndexOf("watcher") + 1, names.IndexOf("switch FIBs"));
        Assert.True(checks[names.IndexOf("switch FIBs")].Passed);
    }

    [Fact]
    public async Task Verify_fails_on_a_drifting_switch()
    {
        using var rig = WithSamples((name, table) => name == "t1" ? FibSamples.Edit(table, routes => routes.Remove(FibSamples.Route(routes, "20.0.0.1"))) : table);
        await rig.ApplyAsync();

        var checks = await new Verifier(rig.Plan, rig.Network, rig.Environment).RunAsync();

        Assert.Equal(new VerifyCheck("switch FIBs", false, "1/20 switches differ from the plan (1 difference): t1: 20.0.0.1/32 missing"), checks.Single(c => c.Name == "switch FIBs"));
    }

    /// <summary>Holds every command a little and counts how many are in flight at once.</summary>
    private sealed class CountingShell(INodeShell inner) : INodeShell
    {
        private int running;
        private int most;

        public int MostAtOnce => Volatile.Read(ref most);

        public async Task<ShellResult> RunAsync(string host, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref running);
            int seen;
            while ((seen = Volatile.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen) { }
            try
            {
                await Task.Delay(50, cancellationToken);
                return await inner.RunAsync(host, command, timeout, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }

        public Task<int> StartDaemonAsync(string host, string command, string logFile, CancellationToken cancellationToken = default) =>
            inner.StartDaemonAsync(host, command, logFile, cancellationToken);
    }
}
