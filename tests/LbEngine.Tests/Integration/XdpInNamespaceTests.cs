using System.Diagnostics;
using System.Text.RegularExpressions;
using Lb.Core.Control;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Integration;

/// <summary>
/// A real lbengine mux on <c>packet_io: xdp</c> in a namespace of its own, on a veth whose peer (the "gateway"
/// namespace) pings the VIP and counts the IP-in-IP packets the mux sends back (nft counter). The XDP program must
/// steer only VIP frames to the engine: a ping to the mux's own address is answered by its kernel. When XDP cannot
/// attach (another program holds the interface) the mux falls back to its rings, saying so once; its own program left
/// by a killed engine is replaced. Namespaces
/// <c>lbx-PID-RAND-*</c>, deleted by exact name; processes stopped by pid. Run under <c>flock /tmp/lbdeploy-testbed.lock</c>.
/// </summary>
[Collection(nameof(NetnsCollection))]
public sealed partial class XdpInNamespaceTests : IDisposable
{
    private const string Vip = "20.0.0.1";
    private const string MuxDev = "lbx-m0";
    private const string GatewayDev = "lbx-g0";
    private readonly string _id = $"lbx-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..4]}";
    private readonly string _directory = Directory.CreateTempSubdirectory("lbx-").FullName;
    private readonly NamespaceProcesses _processes = new();
    private string MuxNs => _id + "-mux";
    private string GatewayNs => _id + "-gw";

    [RootFact("it creates network namespaces and attaches XDP programs")]
    public async Task The_mux_on_xdp_forwards_vip_frames_and_leaves_the_rest_to_the_kernel()
    {
        BuildLab();
        var (mux, control) = await StartMux();
        Assert.Contains($"AF_XDP socket on {MuxDev}", Log());
        Assert.Contains("prog/xdp", NetnsLab.Sh($"ip -n {MuxNs} link show dev {MuxDev}"));

        NetnsLab.Exec(GatewayNs, $"ping -q -c 50 -i 0.01 -W 1 {Vip}", check: false);
        Assert.True(await Eventually(() => Task.FromResult(Tunnelled() >= 50), TimeSpan.FromSeconds(5)), $"{Tunnelled()} of 50 VIP pings tunnelled: {Log()}");
        // Not a VIP frame: the program passes it and the mux's kernel answers.
        Assert.Contains(" 0% packet loss", NetnsLab.Exec(GatewayNs, "ping -c 3 -i 0.2 -W 1 10.2.0.2"));

        var stats = await control.GetStatsAsync();
        Assert.Equal(50, stats.PacketsIn);
        Assert.Equal(50, stats.Forwarded);
        Assert.Equal(0, stats.KernelDrops);

        // Stopped: the program is detached, the interface is as before.
        Assert.True(NetnsLab.Terminate(mux, TimeSpan.FromSeconds(10)), "the mux did not stop");
        Assert.DoesNotContain("prog/xdp", NetnsLab.Sh($"ip -n {MuxNs} link show dev {MuxDev}"));
        Assert.Contains(" 0% packet loss", NetnsLab.Exec(GatewayNs, "ping -c 2 -i 0.2 -W 1 10.2.0.2"));
    }

    [RootFact("it creates network namespaces and attaches XDP programs")]
    public async Task Where_xdp_cannot_attach_the_mux_says_so_once_and_uses_its_rings()
    {
        BuildLab();
        // Another program already holds the interface (xdp-tools' filter; libxdp's dispatcher does not load on every
        // kernel, and then two programs cannot share it).
        NetnsLab.Exec(MuxNs, $"sh -c 'mount -t bpf bpf /sys/fs/bpf; xdp-loader load -m native {MuxDev} /usr/lib/*/bpf/xdpfilt_alw_ip.o'");
        Assert.Contains("xdpfilt_alw_ip", NetnsLab.Sh($"ip -n {MuxNs} link show dev {MuxDev}"));
        var (_, _) = await StartMux();
        var log = Log();
        Assert.Single(Regex.Matches(log, "AF_XDP path unavailable"));
        Assert.Matches($"warn: AF_XDP path unavailable on {MuxDev} \\(cannot attach the XDP program to {MuxDev}: .*\\); using AF_PACKET rings", log);
        Assert.Contains($"AF_PACKET rings on {MuxDev}", log);
        NetnsLab.Exec(GatewayNs, $"ping -q -c 20 -i 0.01 -W 1 {Vip}", check: false);
        Assert.True(await Eventually(() => Task.FromResult(Tunnelled() >= 20), TimeSpan.FromSeconds(5)), $"{Tunnelled()} of 20 VIP pings tunnelled on the rings: {Log()}");
    }

    [RootFact("it creates network namespaces and attaches XDP programs")]
    public async Task A_steering_program_left_by_a_killed_engine_is_replaced()
    {
        BuildLab();
        var program = Path.Combine(AppContext.BaseDirectory, "xdp", "lb_steer.bpf.o");
        NetnsLab.Sh($"ip -n {MuxNs} link set dev {MuxDev} xdp obj {program} sec xdp");
        var (mux, _) = await StartMux();
        Assert.DoesNotContain("AF_XDP path unavailable", Log());
        Assert.Contains($"AF_XDP socket on {MuxDev}", Log());
        NetnsLab.Exec(GatewayNs, $"ping -q -c 20 -i 0.01 -W 1 {Vip}", check: false);
        Assert.True(await Eventually(() => Task.FromResult(Tunnelled() >= 20), TimeSpan.FromSeconds(5)), $"{Tunnelled()} of 20 VIP pings tunnelled: {Log()}");
        Assert.True(NetnsLab.Terminate(mux, TimeSpan.FromSeconds(10)), "the mux did not stop");
        Assert.DoesNotContain("prog/xdp", NetnsLab.Sh($"ip -n {MuxNs} link show dev {MuxDev}"));
    }

    private async Task<(Process Mux, ControlClient Control)> StartMux()
    {
        var config = Path.Combine(_directory, "mux.json");
        File.WriteAllText(config, $$"""
            {"version": 1, "role": "mux", "packet_io": "xdp", "host": "mux1", "interface": "{{MuxDev}}", "address": "10.2.0.2",
             "gateway": {"address": "10.2.0.1"}, "control_socket": "{{_directory}}/mux.sock",
             "vips": [{"address": "{{Vip}}", "ports": [{"protocol": "tcp", "port": 80}], "icmp": true}],
             "dips": [{"name": "srv1", "address": "10.3.0.2"}]}
            """);
        var mux = _processes.Start(MuxNs, $"{EngineBinary.Dotnet} {EngineBinary.Dll()} mux --config {config}", Path.Combine(_directory, "mux.log"));
        var control = new ControlClient($"{_directory}/mux.sock", TimeSpan.FromSeconds(2));
        Assert.True(await Eventually(async () => await IsHealthy(control), TimeSpan.FromSeconds(20)), $"the mux did not start: {Log()}");
        return (mux, control);
    }

    private void BuildLab()
    {
        NetnsLab.Sh($"ip netns add {MuxNs}");
        NetnsLab.Sh($"ip netns add {GatewayNs}");
        NetnsLab.Sh($"ip link add {MuxDev} netns {MuxNs} type veth peer name {GatewayDev} netns {GatewayNs}");
        NetnsLab.Sh($"ip -n {MuxNs} addr add 10.2.0.2/24 dev {MuxDev}");
        NetnsLab.Sh($"ip -n {GatewayNs} addr add 10.2.0.1/24 dev {GatewayDev}");
        foreach (var (ns, dev) in new[] { (MuxNs, MuxDev), (GatewayNs, GatewayDev) })
        {
            NetnsLab.Sh($"ip -n {ns} link set lo up");
            NetnsLab.Sh($"ip -n {ns} link set {dev} up");
        }
        NetnsLab.Sh($"ip -n {GatewayNs} route add {Vip}/32 via 10.2.0.2");
        var rules = Path.Combine(_directory, "count.nft");
        File.WriteAllText(rules, $$"""
            table netdev lbx_count {
              chain ingress { type filter hook ingress device "{{GatewayDev}}" priority 0; ip protocol 4 ip daddr 10.3.0.2 counter; }
            }
            """);
        NetnsLab.Exec(GatewayNs, $"nft -f {rules}");
    }

    private long Tunnelled()
    {
        var match = Counter().Match(NetnsLab.Exec(GatewayNs, "nft list table netdev lbx_count"));
        return match.Success ? long.Parse(match.Groups[1].Value) : 0;
    }

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex Counter();

    private static async Task<bool> IsHealthy(ControlClient control)
    {
        try
        {
            return (await control.SendAsync("health")).Contains("\"ok\":true");
        }
        catch (ControlException)
        {
            return false; // not listening yet
        }
    }

    private static async Task<bool> Eventually(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition()) return true;
            await Task.Delay(50);
        }
        return await condition();
    }

    private string Log() => File.Exists(Path.Combine(_directory, "mux.log")) ? File.ReadAllText(Path.Combine(_directory, "mux.log")) : "(no log)";

    public void Dispose()
    {
        _processes.Dispose();
        NetnsLab.Sh($"ip netns del {MuxNs}", check: false);
        NetnsLab.Sh($"ip netns del {GatewayNs}", check: false);
        Directory.Delete(_directory, recursive: true);
    }
}
