using BenchmarkDotNet.Attributes;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Engine.Mux;
using Lb.Engine.Policy;

namespace Lb.Benchmarks;

/// <summary>Per-packet cost of the mux packet path (parse, flow key, hash, connection table, encapsulate).</summary>
[MemoryDiagnoser]
public class MuxBenchmarks
{
    private const int Flows = 1024;
    private static readonly uint Vip = Ipv4Address.Parse("20.0.0.1").Value;

    private MuxPacketHandler _handler = null!;
    private byte[][] _frames = null!;
    private readonly byte[] _output = new byte[MuxPacketHandler.OutputBufferSize];
    private int _next;

    /// <summary>Client frame size: 64 (minimum TCP) or 1494 (the largest that still fits a 1500 MTU once encapsulated).</summary>
    [Params(64, 1494)]
    public int FrameBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var config = EngineBenchmarkConfigs.Mux();
        var state = new MuxState(config, PacketFrames.Mux, PacketFrames.Gateway, new HashSet<string>());
        _handler = new MuxPacketHandler(state, new ConnectionTable(65536, TimeSpan.FromSeconds(120), TimeProvider.System), new EngineCounters());
        _frames = Enumerable.Range(0, Flows)
            .Select(i => PacketFrames.Tcp(Ipv4Address.Parse("10.5.3.2").Value + (uint)(i / 256), (ushort)(20000 + i), Vip, 80, FrameBytes))
            .ToArray();
        foreach (var frame in _frames) _handler.Handle(frame, _output, out _);
    }

    /// <summary>One established-flow packet (the common case), cycling over 1024 flows.</summary>
    [Benchmark]
    public int ForwardEstablished()
    {
        var frame = _frames[_next++ & (Flows - 1)];
        _handler.Handle(frame, _output, out var length);
        return length;
    }
}

internal static class EngineBenchmarkConfigs
{
    public static EngineConfig Mux() => new()
    {
        Role = EngineRole.Mux,
        Host = "h1",
        Interface = "h1-eth0",
        Address = Ipv4Address.Parse("10.13.1.2"),
        Gateway = new GatewayConfig(Ipv4Address.Parse("10.13.1.1"), PacketFrames.Gateway),
        Mtu = 1500,
        ControlSocket = "/tmp/lbe-bench.sock",
        Vips = [new VipConfig(Ipv4Address.Parse("20.0.0.1"), [new VipPort(TransportProtocol.Tcp, 80)])],
        Dips = Enumerable.Range(13, 4).Select(i => new DipConfig($"h{i}", Ipv4Address.Parse($"10.19.{i}.2"))).ToArray(),
    };

    public static EngineConfig Agent() => new()
    {
        Role = EngineRole.Agent,
        Host = "h13",
        Interface = "h13-eth0",
        Address = Ipv4Address.Parse("10.19.13.2"),
        Gateway = new GatewayConfig(Ipv4Address.Parse("10.19.13.1")),
        ControlSocket = "/tmp/lbe-bench-agent.sock",
        Vips = [new VipConfig(Ipv4Address.Parse("20.0.0.1"), [new VipPort(TransportProtocol.Tcp, 80)])],
        Muxes = [new MuxPeerConfig("h1", Ipv4Address.Parse("10.13.1.2"))],
    };
}
