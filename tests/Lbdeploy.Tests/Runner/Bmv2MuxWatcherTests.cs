using Lbdeploy.Nodes;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Tests.EndToEnd;
using Lbdeploy.Tests.Runner.Fakes;
using Lbdeploy.Watching;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// The mux watcher on the bmv2 target, against a fake simple_switch_CLI (bmv2 cannot run here): the leaf-spine
/// deployment (examples/leafspine.yaml: mux h1 under l1, h4 under l2) applied through the fake, then muxes failing
/// and coming back. The switches' tables, as the fake holds them, are walked from every switch: the VIP must reach
/// the healthy muxes and nothing else.
/// </summary>
public sealed class Bmv2MuxWatcherTests
{
    private static readonly string Spec = Path.Combine(CliRun.RepositoryRoot, "examples", "leafspine.yaml");

    private const string Vip = "20.0.0.10/32";

    private sealed class Watched : IDisposable
    {
        public Watched()
        {
            Cli = new FakeBmv2Cli();
            Rig = new FakeRunner(Spec, Cli.Program);
        }

        public FakeBmv2Cli Cli { get; }
        public FakeRunner Rig { get; }
        public StringWriter Log { get; } = new();
        public MuxWatcher Watcher { get; private set; } = null!;

        public async Task StartAsync()
        {
            await Rig.ApplyAsync();
            // The fake is a Python script: on a loaded machine its start alone can take seconds.
            Watcher = new MuxWatcher(WatchConfig.Load(Rig.Paths.WatchConfigFile), TextWriter.Synchronized(Log), Rig.Environment) { Bmv2CliTimeout = TimeSpan.FromMinutes(2) };
        }

        /// <summary>One round; returns the command lines it sent, by switch (in switch order).</summary>
        public async Task<Dictionary<string, List<string>>> RoundAsync(bool expectRunning = true)
        {
            var before = Cli.Calls().Count;
            Assert.Equal(expectRunning, await Watcher.RoundAsync(CancellationToken.None));
            return Cli.Calls().Skip(before).GroupBy(c => SwitchOf(c.Port)).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.SelectMany(c => c.Lines).ToList());
        }

        public string SwitchOf(int port) => Rig.Plan.Switches.Single(s => s.ThriftPort == port).Name;

        public int PortOf(string sw) => Rig.Plan.Switches.Single(s => s.Name == sw).ThriftPort;

        public void Kill(string mux) => Rig.Processes.Kill(Rig.Unit(UnitKind.Mux, mux).Pid!.Value);

        public WatchStatus Status => WatchStatus.Load(Rig.Paths)!;

        /// <summary>
        /// The hosts the VIP reaches from <paramref name="start"/> by the fake's tables: the VIP's ipv4_lpm entry, a
        /// set_nhop's MAC or every member of its group (indices 0..count-1, each present), MAC -> node, on to hosts.
        /// </summary>
        public SortedSet<string> Reached(string start)
        {
            var nodeOfMac = Rig.Plan.Fabric.Links.SelectMany(l => new[] { l.A, l.B }).ToDictionary(i => i.Mac.ToString(), i => i.Node);
            var switches = Rig.Plan.Switches.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            var reached = new SortedSet<string>(StringComparer.Ordinal);
            void Walk(string sw, int depth)
            {
                Assert.True(depth < 8, $"the VIP loops through {sw}");
                var port = PortOf(sw);
                var entry = Assert.Single(Cli.Table(port, "ipv4_lpm"), e => e.Key == Vip);
                var macs = new List<string>();
                if (entry.Action == "set_nhop") macs.Add(entry.Parameters[0]);
                else
                {
                    Assert.Equal("ecmp_group", entry.Action);
                    var (group, count) = (entry.Parameters[0], int.Parse(entry.Parameters[1], System.Globalization.CultureInfo.InvariantCulture));
                    var members = Cli.Table(port, "ecmp_group_to_nhop");
                    for (var i = 0; i < count; i++) macs.Add(Assert.Single(members, m => m.Key == $"{group} {i}").Parameters[0]);
                }
                foreach (var next in macs.Select(m => nodeOfMac[m]).Distinct())
                {
                    if (switches.Contains(next)) Walk(next, depth + 1);
                    else reached.Add(next);
                }
            }
            Walk(start, 0);
            return reached;
        }

        public void AssertEverySwitchReaches(params string[] muxes)
        {
            foreach (var sw in Rig.Plan.Switches) Assert.Equal(muxes, Reached(sw.Name));
        }

        public void Dispose()
        {
            Rig.Dispose();
            Cli.Dispose();
        }
    }

    private static async Task<Watched> WatchedAsync()
    {
        var w = new Watched();
        await w.StartAsync();
        // The first round asserts the planned entry on every switch whose entry can change: a read, then a modify by handle.
        var first = await w.RoundAsync();
        Assert.True(first.Keys.SequenceEqual(["l1", "l2", "s1", "s2"]), $"first round wrote {string.Join(", ", first.Keys)}; log:\n{w.Log}");
        Assert.Equal("table_dump_entry_from_key ipv4_lpm 20.0.0.10/32", first["s1"][0]);
        Assert.Matches(@"^table_modify ipv4_lpm ecmp_group \d+ => 1 4$", first["s1"][1]);
        Assert.Matches(@"^table_modify ipv4_lpm set_nhop \d+ => 00:00:0a:01:01:02 1$", first["l1"][1]);
        return w;
    }

    [Fact]
    public async Task Applied_through_the_fake_CLI_the_VIP_reaches_both_muxes_and_quiet_rounds_send_nothing()
    {
        using var w = await WatchedAsync();
        Assert.Equal(["h1"], w.Reached("l1"));
        Assert.Equal(["h4"], w.Reached("l2"));
        Assert.Equal(["h1", "h4"], w.Reached("l3"));
        Assert.Equal(["h1", "h4"], w.Reached("s1"));

        Assert.Empty(await w.RoundAsync());
        Assert.Equal(["h1"], w.Status.Routes["l1 " + Vip].ToArray());
        Assert.Equal(["l1", "l2"], w.Status.Routes["s1 " + Vip].ToArray());
        Assert.Equal(0, w.Status.Failovers);
    }

    [Fact]
    public async Task A_dead_mux_is_routed_around_on_its_leaf_and_on_the_spines_and_put_back_when_it_answers()
    {
        using var w = await WatchedAsync();
        w.Kill("h1");

        var sent = await w.RoundAsync();

        // l1 has no live mux left: its VIP goes up, over a new group (the spare, id 2) of both spines; the spines
        // stop sending it to l1. l3 and l4 keep their entry (both spines still lead to h4).
        Assert.Equal(["l1", "s1", "s2"], sent.Keys);
        Assert.Equal(
        [
            "table_add ecmp_group_to_nhop set_nhop 2 0 => 02:00:00:05:00:01 4",
            "table_add ecmp_group_to_nhop set_nhop 2 1 => 02:00:00:06:00:01 5",
        ], sent["l1"].Where(l => l.StartsWith("table_add", StringComparison.Ordinal)).ToArray());
        Assert.Matches(@"^table_modify ipv4_lpm ecmp_group \d+ => 2 2$", sent["l1"][^1]); // pointed at last
        Assert.Matches(@"^table_modify ipv4_lpm set_nhop \d+ => 02:00:00:02:00:04 2$", sent["s1"][^1]);
        w.AssertEverySwitchReaches("h4");
        Assert.Equal(["s1", "s2"], w.Status.Routes["l1 " + Vip].ToArray());
        Assert.Equal(3, w.Status.Failovers);
        Assert.Contains("l1: 20.0.0.10/32 -> s1, s2 (failed muxes withdrawn)", w.Log.ToString());

        // apply restarts the dead mux (and saves the state: every entry is asserted again); it counts as up after
        // SuccessesToUp good rounds, and the planned entries come back.
        await w.Rig.ApplyAsync();
        for (var round = 1; round < MuxWatcher.SuccessesToUp; round++) await w.RoundAsync();
        Assert.False(w.Status.Muxes["h1"]);
        var back = await w.RoundAsync();
        Assert.Equal(["l1", "s1", "s2"], back.Keys);
        Assert.True(w.Status.Muxes["h1"]);
        Assert.Equal(["h1"], w.Reached("l1"));
        Assert.Equal(["h1", "h4"], w.Reached("s1"));
        Assert.Equal(["h1", "h4"], w.Reached("l4"));

        // Failing again reuses the spare group's members, changed by handle: nothing is added twice.
        w.Kill("h1");
        var again = await w.RoundAsync();
        Assert.Equal(2, again["l1"].Count(l => l.StartsWith("table_modify ecmp_group_to_nhop set_nhop ", StringComparison.Ordinal)));
        Assert.DoesNotContain(again["l1"], l => l.StartsWith("table_add", StringComparison.Ordinal));
        w.AssertEverySwitchReaches("h4");
    }

    [Fact]
    public async Task With_every_mux_dead_the_last_entries_stay_and_it_says_so_once()
    {
        using var w = await WatchedAsync();
        w.Kill("h4");
        Assert.Equal(["l2", "s1", "s2"], (await w.RoundAsync()).Keys);
        w.AssertEverySwitchReaches("h1");

        w.Kill("h1");
        Assert.Empty(await w.RoundAsync());
        Assert.Empty(await w.RoundAsync());

        w.AssertEverySwitchReaches("h1"); // never an empty group: the last set stays
        Assert.Single(w.Log.ToString().Split('\n'), l => l.Contains("every mux failed: the VIP entries on l1, l2, s1, s2 stay as they are", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spines_change_before_the_leaf_that_sends_the_VIP_up_to_them_and_a_spine_the_CLI_cannot_reach_holds_the_leaf_back()
    {
        using var w = await WatchedAsync();
        w.Cli.Unreachable(w.PortOf("s2"));
        w.Kill("h1");

        // s1 and s2 come first (one hop from l2, where h4 lives); s2 fails, so l1 keeps sending the VIP to h1: were
        // l1 to send it up, s2 would send it back down to l1 (a loop).
        Assert.Equal(["s1", "s2"], (await w.RoundAsync()).Keys);
        var log = w.Log.ToString();
        Assert.True(log.Contains($"lbdeploy watch: switch s2 (thrift port {w.PortOf("s2")}): simple_switch_CLI failed: Could not connect to thrift client on port {w.PortOf("s2")} | Make sure", StringComparison.Ordinal), log);
        Assert.Contains("lbdeploy watch: not changing l1 yet: a switch nearer the muxes did not take its entry", log);
        Assert.Equal(["h4"], w.Reached("s1"));
        Assert.Equal(["h1", "h4"], w.Reached("s2"));
        Assert.Equal(["h1"], w.Reached("l1"));

        w.Cli.Unreachable(w.PortOf("s2"), on: false);
        var calls = w.Cli.Calls().Count;
        Assert.Equal(["l1", "s2"], (await w.RoundAsync()).Keys);
        Assert.Equal([w.PortOf("s2"), w.PortOf("s2"), w.PortOf("l1"), w.PortOf("l1")], w.Cli.Calls().Skip(calls).Select(c => c.Port));
        w.AssertEverySwitchReaches("h4");
        Assert.Empty(await w.RoundAsync());
    }

    [Fact]
    public async Task A_mux_coming_back_gets_its_leaf_first_then_the_spines()
    {
        using var w = await WatchedAsync();
        var socket = w.Rig.Socket("h1", "mux");
        w.Rig.Engines.Silence(socket);
        for (var round = 0; round < MuxWatcher.FailuresToDown; round++) await w.RoundAsync();
        w.AssertEverySwitchReaches("h4");

        w.Rig.Engines.Silence(socket, on: false);
        for (var round = 1; round < MuxWatcher.SuccessesToUp; round++) Assert.Empty(await w.RoundAsync());
        var calls = w.Cli.Calls().Count;
        Assert.Equal(["l1", "s1", "s2"], (await w.RoundAsync()).Keys);
        Assert.Equal(w.PortOf("l1"), w.Cli.Calls()[calls].Port);
        Assert.Equal(w.PortOf("l1"), w.Cli.Calls()[calls + 1].Port);
        Assert.Equal(["h1"], w.Reached("l1"));
        Assert.Equal(["h1", "h4"], w.Reached("s2"));
    }

    [Fact]
    public async Task A_saved_state_makes_it_assert_the_entries_again()
    {
        using var w = await WatchedAsync();
        w.Kill("h1");
        await w.RoundAsync();

        // apply saved the state (a re-installed switch holds its planned entries again)
        w.Rig.Time.Advance(TimeSpan.FromSeconds(1));
        w.Rig.Store.Save(w.Rig.Store.Load()!);

        Assert.Equal(["l1", "l2", "s1", "s2"], (await w.RoundAsync()).Keys);
        w.AssertEverySwitchReaches("h4");
        Assert.Empty(await w.RoundAsync());
    }

    [Fact]
    public async Task It_stops_when_a_mux_host_node_is_gone()
    {
        using var w = await WatchedAsync();
        w.Rig.Processes.Kill(w.Rig.NodePids["h4"]);

        Assert.Empty(await w.RoundAsync(expectRunning: false));
    }

    [Fact]
    public async Task A_new_set_goes_into_the_spare_group_the_entry_does_not_use_and_a_shorter_one_deletes_the_rest()
    {
        using var cli = new FakeBmv2Cli();
        var bmv2 = new Bmv2Cli(cli.Program);
        Bmv2Member Member(int i) => new($"02:00:00:00:00:0{i}", i, $"n{i}");
        var three = new Bmv2VipVariant([["a"]], false, null, [Member(1), Member(2), Member(3)]);
        var two = new Bmv2VipVariant([["b"]], false, null, [Member(1), Member(2)]);
        var sw = new Bmv2WatchedSwitch("x1", 9190, [5, 6], [three, two]);
        var writer = new Bmv2VipWriter(bmv2, "20.0.0.1/32");

        await writer.WriteAsync(sw, three, CancellationToken.None); // no VIP entry yet (a reset switch): it is added
        Assert.Equal("ecmp_group", Assert.Single(cli.Table(9190, "ipv4_lpm")).Action);
        Assert.Equal(["5", "3"], cli.Table(9190, "ipv4_lpm")[0].Parameters);

        var sent = await writer.WriteAsync(sw, two, CancellationToken.None);
        Assert.Equal(["6", "2"], Assert.Single(cli.Table(9190, "ipv4_lpm")).Parameters); // the other spare: 5 is in use
        Assert.StartsWith("table_modify ipv4_lpm ecmp_group ", sent[^1], StringComparison.Ordinal);

        await writer.WriteAsync(sw, three, CancellationToken.None);
        var toTwo = await writer.WriteAsync(sw, two, CancellationToken.None); // group 6 holds 2 already: modified in place
        Assert.Equal(["6", "2"], cli.Table(9190, "ipv4_lpm")[0].Parameters);
        Assert.Equal(2, toTwo.Count(l => l.StartsWith("table_modify ecmp_group_to_nhop", StringComparison.Ordinal)));

        await writer.WriteAsync(sw, three, CancellationToken.None); // group 5 again
        var members = cli.Table(9190, "ecmp_group_to_nhop");
        Assert.Equal(["5 0", "5 1", "5 2", "6 0", "6 1"], members.Select(m => m.Key).Order(StringComparer.Ordinal));

        // Written twice more, `two` lands in group 6, then in group 5, which held three: its third slot is deleted.
        await writer.WriteAsync(sw, two, CancellationToken.None);
        var shrink = await writer.WriteAsync(sw, two, CancellationToken.None);
        Assert.Equal(["5", "2"], cli.Table(9190, "ipv4_lpm")[0].Parameters);
        Assert.Single(shrink, l => l.StartsWith("table_delete ecmp_group_to_nhop ", StringComparison.Ordinal));
        Assert.Equal(["5 0", "5 1", "6 0", "6 1"], cli.Table(9190, "ecmp_group_to_nhop").Select(m => m.Key).Order(StringComparer.Ordinal));
    }
}
