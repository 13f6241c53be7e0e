using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lb.Core.Control;
using Lb.Core.Stats;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Integration;

/// <summary>
/// A real lbengine mux in a namespace of its own, on a veth whose peer (the "gateway" namespace) pings the VIP every
/// 5 ms and counts the IP-in-IP packets the mux sends back to it (nft counter). The mux's link is taken down for
/// ~1 s and brought up: the engine must stay up, report unhealthy with the reason while down, forward again after,
/// and count one link-down event. Namespaces are named per run (<c>lbf-PID-RAND-*</c>) and deleted by exact name;
/// processes are stopped by pid. Run it like the other namespace tests, under <c>flock /tmp/lbdeploy-testbed.lock</c>.
/// Nothing is sent from the root namespace.
/// </summary>
[Collection(nameof(NetnsCollection))]
public sealed partial class LinkFlapInNamespaceTests : IDisposable
{
    private const string Vip = "20.0.0.1";
    private const string MuxDev = "lbf-m0";
    private const string GatewayDev = "lbf-g0";
    private readonly string _id = $"lbf-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..4]}";
    private readonly string _directory = Directory.CreateTempSubdirectory("lbf-").FullName;
    private readonly NamespaceProcesses _processes = new();
    private string MuxNs => _id + "-mux";
    private string GatewayNs => _id + "-gw";

    [RootTheory("it creates network namespaces")]
    [InlineData("ring")]
    [InlineData("pcap")]
    [InlineData("xdp")]
    public async Task The_mux_survives_a_link_flap_reports_it_in_health_and_forwards_again(string packetIo)
    {
        BuildLab();
        var config = Path.Combine(_directory, "mux.json");
        File.WriteAllText(config, $$"""
            {"version": 1, "role": "mux", "packet_io": "{{packetIo}}", "host": "mux1", "interface": "{{MuxDev}}", "address": "10.2.0.2",
             "gateway": {"address": "10.2.0.1"}, "control_socket": "{{_directory}}/mux.sock",
             "vips": [{"address": "{{Vip}}", "ports": [{"protocol": "tcp", "port": 80}], "icmp": true}],
             "dips": [{"name": "srv1", "address": "10.3.0.2"}]}
            """);
        var engine = EngineBinary.Dll();
        var dotnet = EngineBinary.Dotnet;
        var mux = Start(MuxNs, $"{dotnet} {engine} mux --config {config}", "mux.log");
        var control = new ControlClient($"{_directory}/mux.sock", TimeSpan.FromSeconds(2));
        Assert.True(await Eventually(async () => await IsHealthy(control), TimeSpan.FromSeconds(20)), $"the mux did not start: {Log()}");
        Start(GatewayNs, $"ping -q -i 0.005 {Vip}", "ping.log");
        Assert.True(await Eventually(() => Task.FromResult(Tunnelled() > 20), TimeSpan.FromSeconds(10)), $"no IP-in-IP packet reached the gateway: {Log()}");

        // Down for ~1 s: health fails with the reason, the engine stays up, nothing is forwarded.
        NetnsLab.Sh($"ip -n {MuxNs} link set {MuxDev} down");
        string? reason = null;
        Assert.True(await Eventually(async () => (reason = await HealthError(control)) is not null, TimeSpan.FromSeconds(3)), "health stayed ok with the link down");
        Assert.Matches($@"^link {MuxDev} down since \d{{4}}-\d\d-\d\dT[0-9:.]+Z \([0-9.]+ s\)$", reason);
        var downStats = await control.GetStatsAsync();
        Assert.False(downStats.LinkUp);
        await Task.Delay(1000);
        Assert.False(mux.HasExited, $"the mux exited with the link down: {Log()}");
        var before = Tunnelled();

        // Up again: the first tunnelled packet, then health back to ok.
        var up = Stopwatch.StartNew();
        NetnsLab.Sh($"ip -n {MuxNs} link set {MuxDev} up");
        Assert.True(await Eventually(() => Task.FromResult(Tunnelled() > before), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(5)),
            $"nothing forwarded after the link came back: {Log()}");
        var firstPacket = up.Elapsed;
        Assert.True(await Eventually(async () => await IsHealthy(control), TimeSpan.FromSeconds(10)), $"health did not recover: {Log()}");
        var healthy = up.Elapsed;
        Console.WriteLine($"link flap ({packetIo}): first forwarded packet {firstPacket.TotalMilliseconds:0} ms after link up, healthy after {healthy.TotalMilliseconds:0} ms");

        var stats = await control.GetStatsAsync();
        Assert.True(stats.LinkUp);
        Assert.Equal(1, stats.LinkDownEvents);
        Assert.InRange(stats.LinkDownSeconds!.Value, 0.8, 5);
        Assert.Equal(0, stats.PacketIoErrors);
        Assert.Contains("lbengine_link_down_events_total{role=\"mux\",host=\"mux1\"} 1", await control.GetMetricsAsync());
        Assert.False(mux.HasExited);
        Assert.Contains($"link {MuxDev} is up again after", Log());
    }

    private void BuildLab()
    {
        NetnsLab.Sh($"ip netns add {MuxNs}");
        NetnsLab.Sh($"ip netns add {GatewayNs}");
        // A spare pair first, so the two ends of the mux's veth get different indexes: a veth whose index equals its
        // peer's (iflink) has its carrier changes batched by the kernel's linkwatch, up to 1 s late; in a fabric they differ.
        NetnsLab.Sh($"ip -n {GatewayNs} link add lbf-x0 type veth peer name lbf-x1");
        NetnsLab.Sh($"ip link add {MuxDev} netns {MuxNs} type veth peer name {GatewayDev} netns {GatewayNs}");
        NetnsLab.Sh($"ip -n {MuxNs} addr add 10.2.0.2/24 dev {MuxDev}");
        NetnsLab.Sh($"ip -n {GatewayNs} addr add 10.2.0.1/24 dev {GatewayDev}");
        foreach (var (ns, dev) in new[] { (MuxNs, MuxDev), (GatewayNs, GatewayDev) })
        {
            NetnsLab.Sh($"ip -n {ns} link set lo up");
            NetnsLab.Sh($"ip -n {ns} link set {dev} up");
        }
        NetnsLab.Sh($"ip -n {GatewayNs} route add {Vip}/32 via 10.2.0.2");
        // The gateway counts what the mux tunnels to the DIP (it has no route there: counted, then dropped).
        var rules = Path.Combine(_directory, "count.nft");
        File.WriteAllText(rules, $$"""
            table netdev lbf_count {
              chain ingress { type filter hook ingress device "{{GatewayDev}}" priority 0; ip protocol 4 ip daddr 10.3.0.2 counter; }
            }
            """);
        NetnsLab.Exec(GatewayNs, $"nft -f {rules}");
    }

    /// <summary>IP-in-IP packets the gateway has received from the mux so far.</summary>
    private long Tunnelled()
    {
        var match = Counter().Match(NetnsLab.Exec(GatewayNs, "nft list table netdev lbf_count"));
        return match.Success ? long.Parse(match.Groups[1].Value) : 0;
    }

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex Counter();

    private static async Task<string?> HealthError(ControlClient control)
    {
        using var reply = JsonDocument.Parse(await control.SendAsync("health"));
        return reply.RootElement.GetProperty("ok").GetBoolean() ? null : reply.RootElement.GetProperty("error").GetString();
    }

    private static async Task<bool> IsHealthy(ControlClient control)
    {
        try
        {
            return await HealthError(control) is null;
        }
        catch (ControlException)
        {
            return false; // not listening yet
        }
    }

    private static async Task<bool> Eventually(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition()) return true;
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50));
        }
        return await condition();
    }

    private string Log() => File.Exists(Path.Combine(_directory, "mux.log")) ? File.ReadAllText(Path.Combine(_directory, "mux.log")) : "(no log)";

    private Process Start(string ns, string command, string logName) => _processes.Start(ns, command, Path.Combine(_directory, logName));

    public void Dispose()
    {
        _processes.Dispose();
        NetnsLab.Sh($"ip netns del {MuxNs}", check: false);
        NetnsLab.Sh($"ip netns del {GatewayNs}", check: false);
        Directory.Delete(_directory, recursive: true);
    }
}
