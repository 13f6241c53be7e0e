using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Engine.Health;
using Lb.Engine.Runtime;

namespace Lb.Engine.Tests.Health;

/// <summary>
/// The agent's prober/reporter and the mux's listener over real sockets on loopback (no root, no namespaces):
/// the "server" is a TcpListener on 127.0.0.2 (standing in for the VIP), the DIP is 127.0.0.1, the mux 127.0.0.1.
/// </summary>
public class HealthPipelineTests
{
    private static readonly Ipv4Address Dip = Ipv4Address.Parse("127.0.0.1");
    private static readonly IPAddress ServerAddress = IPAddress.Parse("127.0.0.2");

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) return false;
            Thread.Sleep(20);
        }
        return true;
    }

    [Fact]
    public void Agent_probes_the_server_and_the_mux_follows_its_reports()
    {
        var server = new TcpListener(ServerAddress, 0);
        server.Start();
        var serverPort = ((IPEndPoint)server.LocalEndpoint).Port;
        var health = new HealthConfig(IntervalMs: 200, TimeoutMs: 150, Rise: 2, Fall: 2, DeadAfterMs: 2500, Port: FreeUdpPort());
        var agentConfig = new EngineConfig
        {
            Role = EngineRole.Agent, Host = "h13", Interface = "lo", Address = Dip,
            Gateway = new GatewayConfig(Ipv4Address.Parse("127.0.0.254")), ControlSocket = "/tmp/lbe-unused.sock",
            Vips = [new VipConfig(Ipv4Address.Parse("127.0.0.2"), [new VipPort(TransportProtocol.Tcp, serverPort), new VipPort(TransportProtocol.Udp, 53)])],
            Muxes = [new MuxPeerConfig("h1", Ipv4Address.Parse("127.0.0.1"))],
            Health = health,
        };
        var log = new EngineLog("test", "h", false, TextWriter.Null);
        var tracker = new DipHealthTracker(health, [new DipConfig("h13", Dip)], TimeProvider.System);
        var changes = new List<HealthChange>();
        using var listener = new MuxHealthListener(Ipv4Address.Parse("127.0.0.1"), tracker, c => { lock (changes) changes.AddRange(c); }, log);
        using var agent = new AgentHealthChecker(agentConfig, log);
        try
        {
            // (On a loaded machine the agent's start can outlast dead_after, a silent DIP: let it come up first.)
            // (The first probes may time out while the JIT warms up, in parallel with other tests: fall 2 absorbs one.)
            Assert.True(WaitFor(() => tracker.Accepted >= 3 && tracker.IsUp(Dip) && agent.ProbesOk >= 2 && agent.ServerHealthy, TimeSpan.FromSeconds(5)),
                $"no healthy reports: {tracker.Accepted} accepted, {agent.ProbesOk} probes ok, {agent.ProbesFailed} failed");
            lock (changes) changes.Clear();

            server.Stop(); // connection refused from now on
            // (Bounds against a hang, not latency claims: probes complete on the thread pool, which the suite's
            // parallel tests can starve for seconds on a 2-vCPU machine.)
            var before = (agent.ProbesOk, agent.ProbesFailed);
            Assert.True(WaitFor(() => !agent.ServerHealthy, TimeSpan.FromSeconds(10)),
                $"the agent did not notice the server is gone: probes ok/failed {before} before the stop, ({agent.ProbesOk}, {agent.ProbesFailed}) now");
            Assert.True(agent.ProbesFailed >= health.Fall);
            Assert.True(WaitFor(() => !tracker.IsUp(Dip), TimeSpan.FromSeconds(10)), "the mux did not take the DIP down");

            server = new TcpListener(ServerAddress, serverPort);
            server.Start();
            Assert.True(WaitFor(() => agent.ServerHealthy && tracker.IsUp(Dip), TimeSpan.FromSeconds(10)), "the mux did not take the DIP back");
        }
        finally
        {
            server.Stop();
        }
        lock (changes)
        {
            // (dead_after is 2.5 s, not the default 1 s, so a loaded machine's stall between two reports is no flap.)
            Assert.True(changes.Select(c => c.Up).SequenceEqual([false, true]), string.Join("; ", changes.Select(c => $"{c.Up}: {c.Reason}")));
            Assert.Contains("reports the server unhealthy", changes[0].Reason);
        }
        Assert.Equal(0, tracker.Rejected);
        Assert.Equal(agent.ReportsSent, tracker.Accepted, tolerance: 2); // one mux: every report sent arrives (loopback)

        // The agent stops: silence takes the DIP down after dead_after.
        agent.Dispose();
        Assert.True(WaitFor(() => !tracker.IsUp(Dip), TimeSpan.FromSeconds(6)), "silence did not take the DIP down");
        lock (changes) Assert.Contains("no report for", changes[^1].Reason);
    }
}
