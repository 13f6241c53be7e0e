using System.Diagnostics;
using Lbdeploy.Bgp;
using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Tests.Golden;

namespace Lbdeploy.Tests.Rendering;

/// <summary>
/// The frr target's files say what the BGP design says, line for line: each session with its peer's ASN, policies
/// and BFD, the originated prefixes, relax and maximum-paths where planned, and the same kernel forwarding settings as
/// the linux target. When FRR's vtysh is installed, every config of the course plan also passes its dry run.
/// </summary>
public sealed class FrrConfigTests
{
    private static readonly DeploymentPlan Plan = PlanOf("fattree-frr");

    private static DeploymentPlan PlanOf(string golden)
    {
        var (path, text) = GoldenPlanTests.SpecOf(golden);
        return Planner.Create(path, "lb.yaml", text);
    }

    private static string[] Lines(string file) => Plan.Files[file].Split('\n');

    [Fact]
    public void Every_session_of_the_design_is_written_with_the_peer_ASN_policies_and_BFD()
    {
        var design = Plan.Bgp!;
        foreach (var speaker in design.Speakers)
        {
            var file = speaker.Role == BgpRole.Mux ? PlanFiles.FrrMuxConfig(speaker.Name) : PlanFiles.FrrSwitchConfig(speaker.Name);
            var lines = Lines(file);
            Assert.Contains($"router bgp {speaker.Asn}", lines);
            Assert.Contains($" bgp router-id {speaker.RouterId}", lines);
            Assert.Equal(speaker.Neighbors.Length, lines.Count(l => l.EndsWith(" activate", StringComparison.Ordinal)));
            foreach (var n in speaker.Neighbors)
            {
                Assert.Contains($" neighbor {n.PeerAddress} remote-as {design.Speaker(n.Peer).Asn}", lines);
                Assert.Contains($"  neighbor {n.PeerAddress} route-map {n.ImportFilter} in", lines);
                Assert.Contains($"  neighbor {n.PeerAddress} route-map {n.ExportFilter} out", lines);
                Assert.Equal(n.Bfd, lines.Contains($" neighbor {n.PeerAddress} bfd profile {FrrConfigs.BfdProfile}"));
            }
            Assert.Equal(speaker.Originated.Select(p => $"  network {p}"), lines.Where(l => l.StartsWith("  network ", StringComparison.Ordinal)));
            Assert.Equal(speaker.MultipathRelax, lines.Contains(" bgp bestpath as-path multipath-relax"));
            Assert.Equal(speaker.Role == BgpRole.Mux ? null : $"  maximum-paths {speaker.MaximumPaths}", lines.FirstOrDefault(l => l.StartsWith("  maximum-paths", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void A_mux_host_may_announce_only_the_VIP_and_accepts_nothing()
    {
        var lines = Lines(PlanFiles.FrrMuxConfig("h1"));
        Assert.Equal(["ip prefix-list VIP seq 5 permit 20.0.0.1/32"], lines.Where(l => l.StartsWith("ip prefix-list", StringComparison.Ordinal)));
        Assert.Contains("route-map NONE deny 10", lines);
        Assert.Contains("  neighbor 10.13.1.1 route-map NONE in", lines);
        Assert.Contains("  neighbor 10.13.1.1 route-map VIP out", lines);
        Assert.Contains("  detect-multiplier 3", lines);
        Assert.Contains("  transmit-interval 100", lines);
        Assert.Contains(" bgp network import-check", lines);
    }

    [Fact]
    public void Switch_filters_carry_every_host_subnet_and_the_VIP()
    {
        var lines = Lines(PlanFiles.FrrSwitchConfig("c1"));
        var entries = lines.Where(l => l.StartsWith("ip prefix-list FABRIC ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Plan.Fabric.Hosts.Length + 1, entries.Count);
        Assert.Equal("ip prefix-list FABRIC seq 85 permit 20.0.0.1/32", entries[^1]);
        Assert.DoesNotContain(lines, l => l.StartsWith("bfd", StringComparison.Ordinal)); // no mux below a core
    }

    [Fact]
    public void The_kernel_script_holds_the_linux_targets_forwarding_settings()
    {
        var linux = PlanOf("fattree-linux").Files[PlanFiles.LinuxSwitchScript("t1")].Split('\n');
        var sysctls = linux.Where(l => l.StartsWith("sysctl ", StringComparison.Ordinal)).ToList();
        Assert.Contains("sysctl -qw net.ipv4.fib_multipath_hash_policy=3", sysctls);
        Assert.Equal(sysctls, Lines(PlanFiles.FrrSwitchKernel("t1")).Where(l => l.StartsWith("sysctl ", StringComparison.Ordinal)));
        Assert.DoesNotContain(Lines(PlanFiles.FrrSwitchKernel("t1")), l => l.StartsWith("ip ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_spine_relaxes_multipath_where_the_VIP_is_anycast_across_leaves()
    {
        var (path, _) = GoldenPlanTests.SpecOf("leafspine");
        var plan = Planner.Create(path, "leafspine.yaml", File.ReadAllText(path).Replace("target: bmv2", "target: frr", StringComparison.Ordinal));
        Assert.Contains(" bgp bestpath as-path multipath-relax", plan.Files[PlanFiles.FrrSwitchConfig("s1")].Split('\n'));
        Assert.DoesNotContain(" bgp bestpath as-path multipath-relax", plan.Files[PlanFiles.FrrSwitchConfig("l1")].Split('\n'));
    }

    [VtyshFact]
    public void Every_config_passes_vtysh_dry_run()
    {
        var vtysh = VtyshFactAttribute.Vtysh!;
        var folder = Directory.CreateTempSubdirectory("lbdeploy-frr-").FullName;
        try
        {
            foreach (var (file, text) in Plan.Files.Where(f => f.Key.EndsWith(".conf", StringComparison.Ordinal)))
            {
                var path = Path.Combine(folder, file.Replace('/', '_'));
                File.WriteAllText(path, text);
                var start = new ProcessStartInfo(vtysh) { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var arg in new[] { "--dryrun", "-f", path }) start.ArgumentList.Add(arg);
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                process.WaitForExit();
                Assert.True(process.ExitCode == 0, $"{file}: vtysh --dryrun exit {process.ExitCode}: {output}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>A fact that needs FRR's vtysh (Debian package frr); skipped with the reason otherwise.</summary>
public sealed class VtyshFactAttribute : FactAttribute
{
    public static string? Vtysh { get; } = new[] { "/usr/bin/vtysh", "/usr/local/bin/vtysh" }.FirstOrDefault(File.Exists);

    public VtyshFactAttribute()
    {
        if (Vtysh is null) Skip = "needs FRR's vtysh (apt-get install frr) to dry-run the generated configs";
    }
}
