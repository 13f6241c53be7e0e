using Lb.Core.Addressing;

namespace Lb.Core.Config;

/// <summary>
/// A mux config with every section: the example engine/README.md shows (a test keeps the two equal), and where the
/// loader's and the validator's messages take the "e.g." of a key from.
/// </summary>
public static class EngineConfigExample
{
    public static readonly EngineConfig Mux = new()
    {
        Role = EngineRole.Mux,
        Host = "h1",
        Interface = "h1-eth0",
        Address = Ipv4Address.Parse("10.13.1.2"),
        Mac = MacAddress.Parse("00:00:0a:0d:01:02"),
        Gateway = new GatewayConfig(Ipv4Address.Parse("10.13.1.1"), MacAddress.Parse("00:01:0a:0d:01:02")),
        ControlSocket = "/run/lbdeploy/sockets/h1-mux.sock",
        Vips = [new VipConfig(Ipv4Address.Parse("20.0.0.1"), [new VipPort(TransportProtocol.Tcp, 80)], Icmp: true)],
        Dips = [new DipConfig("h13", Ipv4Address.Parse("10.19.13.2"))],
        Muxes = [new MuxPeerConfig("h1", Ipv4Address.Parse("10.13.1.2"))],
        Health = new HealthConfig(),
        Metrics = new MetricsConfig(new Ipv4Endpoint(Ipv4Address.Parse("127.0.0.1"), 9100)),
        SecondChance = new SecondChanceConfig(),
    };
}
