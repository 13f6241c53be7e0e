using BenchmarkDotNet.Attributes;
using Lb.Core.Addressing;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Engine.Agent;
using Lb.Engine.Mux;
using Lb.Engine.Policy;

namespace Lb.Benchmarks;

/// <summary>Per-packet cost of the agent packet path (validate outer and inner, admit, find the inner packet).</summary>
[MemoryDiagnoser]
public class EngineAgentBenchmarks
{
    private AgentPacketHandler _handler = null!;
    private byte[] _packet = null!;

    /// <summary>The client's frame size before the mux encapsulated it.</summary>
    [Params(64, 1494)]
    public int FrameBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Encapsulate with the mux so the input is exactly what the agent's raw socket returns.
        var mux = new MuxPacketHandler(new MuxState(EngineBenchmarkConfigs.Mux() with { Dips = [new("h13", Ipv4Address.Parse("10.19.13.2"))] },
            PacketFrames.Mux, PacketFrames.Gateway, new HashSet<string>()), new ConnectionTable(1024, TimeSpan.FromSeconds(60), TimeProvider.System), new EngineCounters());
        var frame = PacketFrames.Tcp(Ipv4Address.Parse("10.5.3.2").Value, 40000, Ipv4Address.Parse("20.0.0.1").Value, 80, FrameBytes);
        var output = new byte[MuxPacketHandler.OutputBufferSize];
        mux.Handle(frame, output, out var length);
        _packet = output[EthernetHeader.Length..length];
        _handler = new AgentPacketHandler(new AgentState(EngineBenchmarkConfigs.Agent()), new EngineCounters());
    }

    [Benchmark]
    public int Decapsulate()
    {
        _handler.Handle(_packet, out _, out var length);
        return length;
    }
}
