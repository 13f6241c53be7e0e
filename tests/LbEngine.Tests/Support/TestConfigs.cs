using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Engine.Agent;
using Lb.Engine.Mux;
using Lb.Engine.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.Support;

internal static class TestConfigs
{
    public const string Vip = "20.0.0.1";
    public const string MuxAddress = "10.13.1.2";

    public static EngineConfig Mux(params (string Name, string Address, int Weight)[] dips) => new()
    {
        Role = EngineRole.Mux,
        Host = "h1",
        Interface = "h1-eth0",
        Address = Ipv4Address.Parse(MuxAddress),
        Gateway = new GatewayConfig(Ipv4Address.Parse("10.13.1.1"), TestFrames.GatewayMac),
        Mtu = 1500,
        ControlSocket = "/tmp/lbe-test.sock",
        Vips = [new VipConfig(Ipv4Address.Parse(Vip), [new VipPort(TransportProtocol.Tcp, 80), new VipPort(TransportProtocol.Udp, 53)], Icmp: true)],
        Dips = (dips.Length == 0 ? [("h13", "10.19.13.2", 1), ("h14", "10.19.14.2", 1), ("h15", "10.20.15.2", 1), ("h16", "10.20.16.2", 1)] : dips)
            .Select(d => new DipConfig(d.Name, Ipv4Address.Parse(d.Address), d.Weight)).ToArray(),
        Hash = new HashConfig(65537, 0),
    };

    public static EngineConfig Agent(string address = "10.19.13.2") => new()
    {
        Role = EngineRole.Agent,
        Host = "h13",
        Interface = "h13-eth0",
        Address = Ipv4Address.Parse(address),
        Gateway = new GatewayConfig(Ipv4Address.Parse("10.19.13.1")),
        ControlSocket = "/tmp/lbe-test-agent.sock",
        Vips = [new VipConfig(Ipv4Address.Parse(Vip), [new VipPort(TransportProtocol.Tcp, 80)], Icmp: true)],
        Muxes = [new MuxPeerConfig("h1", Ipv4Address.Parse("10.13.1.2")), new MuxPeerConfig("h2", Ipv4Address.Parse("10.13.2.2"))],
    };

    public static MuxPacketHandler MuxHandler(EngineConfig config, out FakeTimeProvider time, IReadOnlySet<string>? drained = null)
    {
        time = new FakeTimeProvider();
        var state = new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, drained ?? new HashSet<string>());
        return new MuxPacketHandler(state, new ConnectionTable(config.Connections.Capacity, TimeSpan.FromSeconds(config.Connections.IdleTimeoutSeconds), time), new EngineCounters());
    }

    public static AgentPacketHandler AgentHandler(EngineConfig config) => new(new AgentState(config), new EngineCounters());
}
