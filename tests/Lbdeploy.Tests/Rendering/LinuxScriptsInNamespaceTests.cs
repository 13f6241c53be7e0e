using System.Diagnostics;
using Lbdeploy.Planning;
using Lbdeploy.Tests.Spec;

using Lbdeploy.Verification;
using Lbdeploy.Ecmp;

namespace Lbdeploy.Tests.Rendering;

/// <summary>
/// Runs rendered scripts on a real kernel, inside a private network namespace (never the root one) whose
/// interfaces are veth pairs named like the fabric's: the switch script installs its ECMP and VIP routes twice
/// without error, its teardown removes them; the DIP script puts the VIP up and down. Needs root.
/// </summary>
public sealed class LinuxScriptsInNamespaceTests : IDisposable
{
    private static readonly DeploymentPlan Plan = Planner.Create(RepoPaths.Combine("lb.yaml"), "lb.yaml");
    private readonly string ns = $"lbplan-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
    private readonly string scripts = Directory.CreateTempSubdirectory("lbplan-scripts-").FullName;

    public LinuxScriptsInNamespaceTests()
    {
        Assert.True(Environment.UserName == "root", "these tests create a network namespace: run them as root");
        Sh($"ip netns add {ns}");
    }

    public void Dispose()
    {
        Process.Start("ip", ["netns", "del", ns])!.WaitForExit();
        Directory.Delete(scripts, recursive: true);
    }

    [Fact]
    public void Switch_script_installs_routes_idempotently_and_teardown_removes_them()
    {
        InNamespace("""
            for i in 1 2 3 4; do ip link add t1-eth$i type veth peer name peer$i; ip link set t1-eth$i up; ip link set peer$i up; done
            ip addr add 10.13.1.1/24 dev t1-eth1; ip addr add 10.13.2.1/24 dev t1-eth2
            ip addr add 20.13.1.1/24 dev t1-eth3; ip addr add 20.13.2.1/24 dev t1-eth4
            """);
        var up = Save("switches/linux/t1.sh");
        InNamespace($"sh {up} && sh {up}");
        var vip = InNamespace("ip route show 20.0.0.1");
        Assert.Contains("nexthop via 10.13.1.2 dev t1-eth1", vip);
        Assert.Contains("nexthop via 10.13.2.2 dev t1-eth2", vip);
        Assert.Contains("nexthop via 20.13.2.2 dev t1-eth4", InNamespace("ip route show 10.19.13.0/24"));
        Assert.Equal("3\n3575\n2\n", InNamespace("sysctl -n net.ipv4.fib_multipath_hash_policy net.ipv4.fib_multipath_hash_fields net.ipv4.conf.t1-eth3.rp_filter"));
        Assert.Equal($"{KernelMultipath.SwitchSeed(Lbdeploy.Spec.LbSpec.DefaultFabricHashSeed, "t1")}\n", InNamespace("sysctl -n net.ipv4.fib_multipath_hash_seed"));

        InNamespace($"sh {Save("switches/linux/t1.down.sh")}");
        var left = InNamespace("ip route show");
        Assert.DoesNotContain("20.0.0.1", left);
        Assert.DoesNotContain("10.19.13.0/24", left);
        Assert.Contains("10.13.1.0/24 dev t1-eth1", left);
    }

    [Fact]
    public void Dip_script_adds_the_vip_and_advmss_then_undoes_them()
    {
        InNamespace("""
            ip link add h13-eth0 type veth peer name peer0; ip link set h13-eth0 up; ip link set peer0 up
            ip addr add 10.19.13.2/24 dev h13-eth0; ip route add default via 10.19.13.1 dev h13-eth0
            """);
        var up = Save("hosts/h13/vip-up.sh");
        InNamespace($"sh {up} && sh {up}");
        Assert.Contains("inet 20.0.0.1/32", InNamespace("ip -4 addr show dev h13-eth0"));
        Assert.Contains("advmss 1440", InNamespace("ip route show default"));
        Assert.Equal("2\n2\n", InNamespace("sysctl -n net.ipv4.conf.h13-eth0.arp_ignore net.ipv4.conf.h13-eth0.arp_announce"));

        var down = Save("hosts/h13/vip-down.sh");
        InNamespace($"sh {down} && sh {down}");
        Assert.DoesNotContain("20.0.0.1", InNamespace("ip -4 addr show dev h13-eth0"));
        Assert.DoesNotContain("advmss", InNamespace("ip route show default"));
    }

    [Fact]
    public void Dip_with_the_vip_answers_arp_for_its_own_address_but_not_for_the_vip()
    {
        // The gateway side lives in a second namespace: it asks for both addresses on the link.
        var gateway = ns + "-gw";
        Sh($"ip netns add {gateway}");
        try
        {
            InNamespace($"""
                ip link add h13-eth0 type veth peer name gw0; ip link set gw0 netns {gateway}
                ip link set h13-eth0 up; ip addr add 10.19.13.2/24 dev h13-eth0; ip route add default via 10.19.13.1 dev h13-eth0
                """);
            Sh($"ip netns exec {gateway} sh -ec 'ip link set gw0 up; ip addr add 10.19.13.1/24 dev gw0; ip route add 20.0.0.1/32 dev gw0'");
            InNamespace($"sh {Save("hosts/h13/vip-up.sh")}");

            Sh($"ip netns exec {gateway} ping -c1 -W2 10.19.13.2");
            var vipAnswered = Process.Start("ip", ["netns", "exec", gateway, "ping", "-c1", "-W1", "20.0.0.1"])!;
            vipAnswered.WaitForExit();
            Assert.NotEqual(0, vipAnswered.ExitCode);
            Assert.DoesNotContain("lladdr", Sh($"ip netns exec {gateway} ip neigh show 20.0.0.1"));
        }
        finally
        {
            Process.Start("ip", ["netns", "del", gateway])!.WaitForExit();
        }
    }

    private string Save(string file)
    {
        var path = Path.Combine(scripts, file.Replace('/', '_'));
        File.WriteAllText(path, Plan.Files[file]);
        return path;
    }

    private string InNamespace(string script) => Sh($"ip netns exec {ns} sh -ec '{script.Replace("'", "'\\''")}'");

    private static string Sh(string command)
    {
        var start = new ProcessStartInfo("sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"`{command}` failed ({process.ExitCode}): {error}");
        return output.Result;
    }
}
