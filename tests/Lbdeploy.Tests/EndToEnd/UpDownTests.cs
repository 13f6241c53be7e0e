using System.Text.RegularExpressions;
using Lbdeploy.Runner;
using Xunit.Abstractions;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// The README's main commands on a real mininet fabric: `up` (testbed + apply + verify) on the course fat tree,
/// idempotent re-apply, a DIP-pool change applied by reload, `down` leaving nothing behind; and the leaf-spine
/// example applied and verified on Linux-router switches.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed partial class UpDownTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task Up_serves_the_course_fat_tree_and_down_removes_it()
    {
        RequireIdleMachine();
        var spec = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");
        var pids = new List<int>();
        try
        {
            var up = await Run("up", "-f", spec);
            Assert.True(up.ExitCode == 0, up.All);
            Assert.Contains("verify: ", up.Output);
            Assert.DoesNotContain("FAIL", up.Output);
            Assert.Matches(@"pingall\s+240/240", up.Output);
            Assert.True(up.Elapsed < TimeSpan.FromSeconds(90), $"up took {up.Elapsed.TotalSeconds:0.0} s");
            log.WriteLine($"up took {up.Elapsed.TotalSeconds:0.0} s");
            var state = DeployStateFile.Default.Load()!;
            pids.AddRange(state.Units.Where(u => u.Pid is not null).Select(u => u.Pid!.Value));
            Assert.Equal(4 + 4 + 2, pids.Count); // servers, agents, muxes
            var muxPids = state.Units.Where(u => u.Kind == UnitKind.Mux).Select(u => u.Pid).ToList();

            // Nothing changed: a second apply does nothing.
            var again = await Run("apply", "-f", spec, "--auto-approve");
            Assert.Equal(0, again.ExitCode);
            Assert.Contains("nothing to change", again.Output);

            // Without --auto-approve and without a terminal, apply refuses before touching anything.
            var smaller = CliRun.DeriveSpec(spec, ("dips: [h13, h14, h15, h16]", "dips: [h13, h14, h15]"));
            if (Console.IsInputRedirected)
            {
                var refused = await Run("apply", "-f", smaller);
                Assert.Equal(1, refused.ExitCode);
                Assert.Contains("--auto-approve", refused.Error);
            }

            // A smaller DIP pool: the muxes reload their rewritten config (same pids), h16's units go.
            var shrink = await Run("apply", "-f", smaller, "--auto-approve");
            Assert.True(shrink.ExitCode == 0, shrink.All);
            Assert.Matches(@"~ mux h1\s+reloaded", shrink.Output);
            Assert.Matches(@"- agent h16\s+removed", shrink.Output);
            Assert.Matches(@"- server h16\s+removed", shrink.Output);
            Assert.Equal(muxPids, DeployStateFile.Default.Load()!.Units.Where(u => u.Kind == UnitKind.Mux).Select(u => u.Pid).ToList());
            var verify = await Run("verify", "-f", smaller, "--json");
            Assert.True(verify.ExitCode == 0, verify.All);
            Assert.DoesNotContain("h16", SplitRow().Match(verify.Output).Value);

            // A spec whose hosts the running network lacks (leaf-spine switches l1..) is refused in one line.
            var leafspine = CliRun.DeriveSpec(Path.Combine(CliRun.RepositoryRoot, "examples", "leafspine.yaml"), ("target: bmv2", "target: linux"));
            var wrong = await Run("apply", "-f", leafspine, "--auto-approve");
            Assert.Equal(1, wrong.ExitCode);
            Assert.Matches("was built from .*fattree_app.json, which differs from the plan's topology \\(node l1 is not in the running testbed\\)", wrong.Error);
            Assert.Single(wrong.Error.Trim().Split('\n'));
        }
        finally
        {
            var down = await Run("down");
            Assert.True(down.ExitCode == 0, down.All);
        }
        Assert.True(MininetNetwork.Discover().IsEmpty, "mininet node shells survived down");
        Assert.All(pids, pid => Assert.False(Processes.IsAlive(pid), $"pid {pid} survived down"));
        Assert.False(Directory.Exists(DeployPaths.Default.Directory));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries("/sys/class/net").Select(Path.GetFileName), n => FabricInterface().IsMatch(n!));

        var none = await Run("apply", "-f", spec, "--auto-approve");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no testbed is running for /run/lbdeploy; start it with lbdeploy testbed up", none.Error);
    }

    [RootFact]
    public async Task Leafspine_example_applies_and_verifies_on_linux_switches()
    {
        RequireIdleMachine();
        var spec = CliRun.DeriveSpec(Path.Combine(CliRun.RepositoryRoot, "examples", "leafspine.yaml"), ("target: bmv2", "target: linux"));
        var up = await UpVerifiedThenDownAsync(spec);
        Assert.Matches(@"traffic dip h12\s+0 packets delivered during verify \(weight 0: drained\)", up.Output);
    }

    /// <summary>
    /// The plan decides where servers listen ({port}: the first TCP port) and what verify fetches: a UDP port listed
    /// first must not make apply wait for a TCP listener on it, nor verify fetch from it.
    /// </summary>
    [RootFact]
    public async Task A_udp_port_listed_first_deploys_and_verifies()
    {
        RequireIdleMachine();
        var spec = CliRun.DeriveSpec(Path.Combine(CliRun.RepositoryRoot, "lb.yaml"), ("ports: [80/tcp]", "ports: [53/udp, 80/tcp]"));
        Assert.Contains("ports: [53/udp, 80/tcp]", File.ReadAllText(spec));
        var up = await UpVerifiedThenDownAsync(spec);
        Assert.Matches(@"GET http://20\.0\.0\.1/streaming\.html", up.Output);
    }

    /// <summary>
    /// Muxes with two packet threads (a fanout group of two rings each): the whole loop works, verify's GETs through
    /// the VIP and its engine counter checks included (the counters are the threads' sum).
    /// </summary>
    [RootFact]
    public async Task Muxes_with_two_packet_threads_deploy_and_verify()
    {
        RequireIdleMachine();
        var spec = CliRun.DeriveSpec(Path.Combine(CliRun.RepositoryRoot, "lb.yaml"), ("engine:\n", "engine:\n  packet_threads: 2\n"));
        Assert.Contains("packet_threads: 2", File.ReadAllText(spec));
        var up = await UpVerifiedThenDownAsync(spec, async () =>
        {
            foreach (var mux in new[] { "h1", "h2" })
            {
                var stats = await DeployedService.StatsAsync(UnitKind.Mux, mux);
                Assert.Equal(2, stats.PacketThreads);
                Assert.Equal(stats.PacketsIn, stats.ThreadPackets!.Sum());
            }
        });
        Assert.Matches(@"GET http://20\.0\.0\.1/streaming\.html", up.Output);
    }

    /// <summary>`up` of <paramref name="spec"/> passes every verify check; `down` always follows and leaves no node.</summary>
    private async Task<CliRun> UpVerifiedThenDownAsync(string spec, Func<Task>? whileUp = null)
    {
        try
        {
            var up = await Run("up", "-f", spec);
            Assert.True(up.ExitCode == 0, up.All);
            Assert.DoesNotContain("FAIL", up.Output);
            if (whileUp is not null) await whileUp();
            return up;
        }
        finally
        {
            var down = await Run("down");
            Assert.True(down.ExitCode == 0, down.All);
            Assert.True(MininetNetwork.Discover().IsEmpty);
        }
    }

    /// <summary>These tests run `down` at the end: never against a network someone else started.</summary>
    private static void RequireIdleMachine()
    {
        if (!MininetNetwork.Discover().IsEmpty || Testbed.TestbedState.Default.Exists || DeployStateFile.Default.Load() is not null)
        {
            throw new InvalidOperationException("a mininet network or an lbdeploy deployment is already running; the end-to-end tests need the machine to themselves (stop it with lbdeploy down)");
        }
    }

    private async Task<CliRun> Run(params string[] args)
    {
        var run = await CliRun.RunAsync(args);
        log.WriteLine($"$ lbdeploy {string.Join(' ', args)}  -> exit {run.ExitCode} in {run.Elapsed.TotalSeconds:0.0} s");
        log.WriteLine(run.All);
        return run;
    }

    [GeneratedRegex(@"^[htacls]\d+-eth\d+$")]
    private static partial Regex FabricInterface();

    [GeneratedRegex("\"name\": \"split dips\",[^}]*")]
    private static partial Regex SplitRow();
}
