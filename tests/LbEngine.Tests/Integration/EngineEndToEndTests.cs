using Lb.Core.Control;
using Lb.Core.Stats;
using Lb.Engine.Tests.Support;
using Lb.Engine.PacketIo;

namespace Lb.Engine.Tests.Integration;

/// <summary>
/// Real lbengine processes (the build output next to this assembly) as mux and agent in network namespaces;
/// a PHP server behind the VIP answers a GET and a 1 MB POST from the client, by DSR.
/// </summary>
[Collection(nameof(NetnsCollection))]
public class EngineEndToEndTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lbe-it-").FullName;

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private string MuxConfig(string dipWeight, string packetIo, int threads) => $$"""
        {"version": 1, "role": "mux", "packet_io": "{{packetIo}}", "packet_threads": {{threads}}, "host": "mux1", "interface": "{{NetnsLab.MuxInterface}}", "address": "{{NetnsLab.MuxAddress}}",
         "mac": null, "gateway": {"address": "10.2.0.1", "mac": null}, "mtu": 1500,
         "control_socket": "{{_directory}}/mux.sock",
         "vips": [{"address": "{{NetnsLab.Vip}}", "ports": [{"protocol": "tcp", "port": 80}], "icmp": true}],
         "dips": [{"name": "srv1", "address": "{{NetnsLab.ServerAddress}}", "weight": {{dipWeight}} }],
         "hash": {"table_size": 65537, "seed": 0}, "connections": {"capacity": 65536, "idle_timeout_seconds": 120} }
        """;

    private string AgentConfig(string packetIo) => $$"""
        {"version": 1, "role": "agent", "packet_io": "{{packetIo}}", "host": "srv1", "interface": "{{NetnsLab.ServerInterface}}", "address": "{{NetnsLab.ServerAddress}}",
         "gateway": {"address": "10.3.0.1"}, "mtu": 1500, "control_socket": "{{_directory}}/agent.sock",
         "vips": [{"address": "{{NetnsLab.Vip}}", "ports": [{"protocol": "tcp", "port": 80}], "icmp": true}],
         "muxes": [{"name": "mux1", "address": "{{NetnsLab.MuxAddress}}"}]}
        """;

    [RootTheory("it creates network namespaces")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    [InlineData("ring", 1)]
    [InlineData("ring", 2)]
    [InlineData("pcap", 1)]
    [InlineData("xdp", 1)]
    public async Task Get_and_1MB_post_through_mux_and_agent_with_direct_server_return(string packetIo, int muxThreads)
    {
        var engine = EngineBinary.Dll();
        var www = Directory.CreateDirectory(Path.Combine(_directory, "www")).FullName;
        File.WriteAllText(Path.Combine(www, "index.html"), "hello from the server\n");
        File.WriteAllText(Path.Combine(www, "len.php"), "<?php echo strlen(file_get_contents('php://input')), \"\\n\";\n");
        var blob = Path.Combine(_directory, "blob.bin");
        File.WriteAllBytes(blob, new byte[1_000_000].Select((_, i) => (byte)(i * 31)).ToArray());
        var muxConfig = Write("mux.json", MuxConfig("1", packetIo, muxThreads));
        var agentConfig = Write("agent.json", AgentConfig(packetIo));

        using var lab = new NetnsLab();
        var dotnet = EngineBinary.Dotnet;
        var mux = lab.Start(NetnsLab.Mux, $"{dotnet} {engine} mux --config {muxConfig} --pid-file {_directory}/mux.pid", $"{_directory}/mux.log");
        if (packetIo == "pcap")
        {
            // As if a ring-path agent had been killed here: its drop rule would hide every tunnelled frame from the
            // raw socket, so the pcap agent must clear it (the GET below fails otherwise).
            var stale = Write("stale.nft", KernelIngressDrop.Script(KernelIngressDrop.TableName("agent", NetnsLab.ServerInterface), NetnsLab.ServerInterface,
                KernelIngressDrop.IpInIpRule(Lb.Core.Addressing.Ipv4Address.Parse(NetnsLab.ServerAddress).Value)));
            NetnsLab.Exec(NetnsLab.Server, $"nft -f {stale}");
        }
        var agent = lab.Start(NetnsLab.Server, $"{dotnet} {engine} agent --config {agentConfig}", $"{_directory}/agent.log");
        lab.Start(NetnsLab.Server, $"php -S {NetnsLab.Vip}:80 -t {www}", $"{_directory}/php.log");
        var muxControl = new ControlClient($"{_directory}/mux.sock");
        var agentControl = new ControlClient($"{_directory}/agent.sock");
        await WaitHealthy(muxControl, "mux.log");
        await WaitHealthy(agentControl, "agent.log");
        if (packetIo == "xdp")
        {
            // Both on the AF_XDP path, not a fallback.
            Assert.Contains("AF_XDP socket on", File.ReadAllText($"{_directory}/mux.log"));
            Assert.Contains("AF_XDP socket on", File.ReadAllText($"{_directory}/agent.log"));
        }
        Assert.Equal(mux.Id.ToString(), File.ReadAllText($"{_directory}/mux.pid").Trim());

        var get = NetnsLab.Exec(NetnsLab.Client, $"curl -sS -m 10 --retry 2 http://{NetnsLab.Vip}/index.html");
        Assert.Equal("hello from the server\n", get);
        var post = NetnsLab.Exec(NetnsLab.Client,
            $"curl -sS -m 30 --data-binary @{blob} -H 'Content-Type: application/octet-stream' http://{NetnsLab.Vip}/len.php", timeoutSeconds: 40);
        Assert.Equal("1000000", post.Trim());
        NetnsLab.Exec(NetnsLab.Client, $"ping -c 2 -W 2 {NetnsLab.Vip}");
        // Traffic of the mux host's own (not to a VIP) crosses the same interface: the capture filter must keep it out.
        NetnsLab.Exec(NetnsLab.Mux, "ping -c 2 -W 2 10.2.0.1");
        NetnsLab.Exec(NetnsLab.Client, $"ping -c 2 -W 2 {NetnsLab.MuxAddress}");

        var muxStats = await muxControl.GetStatsAsync();
        Assert.Equal(0, muxStats.DsrViolations);
        Assert.Equal(muxStats.PacketsIn, muxStats.Forwarded + muxStats.Drops.Values.Sum());
        // Only client-to-VIP packets reach the mux: nothing dropped except oversize ones answered with ICMP.
        Assert.All(muxStats.Drops.Where(d => d.Key != "fragmentation_needed"), d => Assert.Equal(0, d.Value));
        Assert.True(muxStats.IcmpSent > 0, "1500-byte DF segments + 20 bytes exceed the MTU: the mux must send fragmentation needed");
        Assert.Equal(muxStats.Forwarded, muxStats.Vips[0].Packets);
        Assert.Equal(muxStats.Forwarded, muxStats.PacketsOut - muxStats.IcmpSent);
        Assert.Equal(0, muxStats.KernelDrops);
        Assert.True(muxStats.Forwarded > 700, $"a 1 MB upload is > 700 packets, the mux forwarded {muxStats.Forwarded}");
        Assert.Equal("active", muxStats.Dips![0].State);
        // The control socket is root-only; its requests so far (health while starting, this stats) were all served.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode($"{_directory}/mux.sock"));
        Assert.True(muxStats.ControlRequests!["served"] >= 1);
        Assert.All(muxStats.ControlRequests.Where(r => r.Key != "served"), r => Assert.Equal(0, r.Value));

        if (muxThreads > 1)
        {
            // 20 connections, each its own flow: the kernel's fanout spreads them over both threads (all on one: 2^-19),
            // and keeps each on one thread: the tables together hold every connection once.
            for (var i = 0; i < 20; i++) NetnsLab.Exec(NetnsLab.Client, $"curl -sS -m 10 -o /dev/null http://{NetnsLab.Vip}/index.html");
            var spread = await muxControl.GetStatsAsync();
            Assert.Equal(muxThreads, spread.PacketThreads);
            Assert.Equal(muxThreads, spread.ThreadPackets!.Count);
            Assert.All(spread.ThreadPackets, n => Assert.True(n > 0, $"a thread got no packet: {string.Join(", ", spread.ThreadPackets)}"));
            Assert.Equal(spread.PacketsIn, spread.ThreadPackets.Sum());
            var conns = System.Text.Json.JsonDocument.Parse(await muxControl.SendAsync("conns 1000")).RootElement.GetProperty("connections").EnumerateArray()
                .Where(c => c.GetProperty("protocol").GetString() == "tcp").Select(c => c.GetProperty("client").GetString()).ToList();
            Assert.True(conns.Count >= 21, $"{conns.Count} connections listed");
            Assert.Equal(conns.Count, conns.Distinct().Count());
            Assert.Contains("2 packet threads", File.ReadAllText($"{_directory}/mux.log"));
            muxStats = spread;
        }
        var agentStats = await WaitFor(agentControl, s => s.Forwarded == muxStats.Forwarded);
        Assert.Equal(agentStats.PacketsIn, agentStats.Forwarded);
        Assert.Equal(agentStats.Forwarded, agentStats.Muxes![0].Packets);

        // Reload with the only DIP drained: established flows would stay, new ones have no backend.
        File.WriteAllText(muxConfig, MuxConfig("0", packetIo, muxThreads));
        await muxControl.ReloadAsync();
        var drained = await muxControl.GetStatsAsync();
        Assert.Equal("drained", drained.Dips![0].State);
        Assert.Equal(1, drained.Reloads);
        await muxControl.UndrainAsync("srv1"); // only undoes a control-socket drain; weight 0 still drains
        Assert.Equal("drained", (await muxControl.GetStatsAsync()).Dips![0].State);

        // The mux keeps VIP frames out of its host's IP stack with its own nftables table, and removes it on exit;
        // with rings, the agent does the same for IP-in-IP frames (the raw-socket path installs nothing). On AF_XDP the
        // XDP program takes those frames before the stack: no table, the program attached instead.
        var table = Lb.Engine.PacketIo.KernelIngressDrop.TableName("mux", NetnsLab.MuxInterface);
        if (packetIo == "xdp")
        {
            Assert.DoesNotContain(table, NetnsLab.Exec(NetnsLab.Mux, "nft list tables"));
            Assert.Contains("prog/xdp", NetnsLab.Exec(NetnsLab.Mux, $"ip link show dev {NetnsLab.MuxInterface}"));
            Assert.Contains("prog/xdp", NetnsLab.Exec(NetnsLab.Server, $"ip link show dev {NetnsLab.ServerInterface}"));
        }
        else
        {
            Assert.Contains($"ip daddr {NetnsLab.Vip}", NetnsLab.Exec(NetnsLab.Mux, $"nft list table netdev {table}"));
        }
        var agentTable = Lb.Engine.PacketIo.KernelIngressDrop.TableName("agent", NetnsLab.ServerInterface);
        Assert.Equal(packetIo == "ring", NetnsLab.Exec(NetnsLab.Server, "nft list tables").Contains(agentTable));

        Assert.True(NetnsLab.Terminate(mux, TimeSpan.FromSeconds(10)), "mux did not stop on SIGTERM");
        Assert.DoesNotContain(table, NetnsLab.Exec(NetnsLab.Mux, "nft list tables"));
        Assert.True(NetnsLab.Terminate(agent, TimeSpan.FromSeconds(10)), "agent did not stop on SIGTERM");
        Assert.DoesNotContain(agentTable, NetnsLab.Exec(NetnsLab.Server, "nft list tables"));
        Assert.Equal(0, mux.ExitCode);
        Assert.Equal(0, agent.ExitCode);
        // Stopped engines detach their XDP programs.
        Assert.DoesNotContain("prog/xdp", NetnsLab.Exec(NetnsLab.Mux, $"ip link show dev {NetnsLab.MuxInterface}"));
        Assert.DoesNotContain("prog/xdp", NetnsLab.Exec(NetnsLab.Server, $"ip link show dev {NetnsLab.ServerInterface}"));
        Assert.False(File.Exists($"{_directory}/mux.sock"));
        Assert.False(File.Exists($"{_directory}/mux.pid"));
    }

    private async Task WaitHealthy(ControlClient client, string log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await client.HealthAsync();
                return;
            }
            catch (ControlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            catch (ControlException)
            {
                Assert.Fail($"engine did not come up: {File.ReadAllText(Path.Combine(_directory, log))}");
            }
        }
    }

    private static async Task<EngineStats> WaitFor(ControlClient client, Func<EngineStats, bool> condition)
    {
        var stats = await client.GetStatsAsync();
        for (var i = 0; i < 20 && !condition(stats); i++)
        {
            await Task.Delay(100);
            stats = await client.GetStatsAsync();
        }
        return stats;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

[CollectionDefinition(nameof(NetnsCollection), DisableParallelization = true)]
public sealed class NetnsCollection;
