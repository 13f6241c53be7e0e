using BenchmarkDotNet.Attributes;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Maglev;
using Lb.Core.Packets;
using Lb.Engine.Agent;
using Lb.Engine.Mux;
using Lb.Engine.Policy;

namespace Lb.Benchmarks;

/// <summary>
/// What the second chance adds per packet, off against on, over many flows (so the tables leave the CPU caches as
/// in a busy engine). Mux: with it on, every slot had three earlier owners, so every packet carries the largest
/// option (the worst case). Agent: a segment without the option, and one with it for a flow the agent delivered the
/// SYN of (its own table answers).
/// </summary>
[MemoryDiagnoser]
public class SecondChanceBenchmarks
{
    private const int Flows = 65536;
    private static readonly uint Vip = Ipv4Address.Parse("20.0.0.1").Value;

    private MuxPacketHandler _mux = null!;
    private AgentPacketHandler _agent = null!;
    private byte[][] _frames = null!;
    private byte[][] _plain = null!;
    private byte[][] _marked = null!;
    private readonly byte[] _output = new byte[MuxPacketHandler.OutputBufferSize];
    private int _next;

    [Params(false, true)]
    public bool SecondChance { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var on = new SecondChanceConfig(Enabled: true);
        var config = EngineBenchmarkConfigs.Mux() with { SecondChance = SecondChance ? on : null };
        var time = TimeProvider.System;
        var history = PoolHistory.Empty(config.Hash.TableSize, config.Hash.Seed, on.Retention, time);
        foreach (var earlier in new[] { "10.99.1.2", "10.99.2.2", "10.99.3.2" })
            history = history.Retire(Enumerable.Repeat(Ipv4Address.Parse(earlier).Value, config.Hash.TableSize).ToArray());
        var state = new MuxState(config, PacketFrames.Mux, PacketFrames.Gateway, new HashSet<string>(), time: time, history: history);
        _mux = new MuxPacketHandler(state, new ConnectionTable(4 * Flows, TimeSpan.FromSeconds(120), time), new EngineCounters());
        var clients = Enumerable.Range(0, Flows).Select(i => (Address: Ipv4Address.Parse("10.5.0.2").Value + (uint)(i / 256), Port: (ushort)(20000 + i % 256))).ToArray();
        _frames = clients.Select(c => PacketFrames.Tcp(c.Address, c.Port, Vip, 80, 64)).ToArray();

        // The agent's input: what a mux whose only DIP is the agent's host sends, with and without the option (3
        // alternates, none of them a peer).
        var toAgent = EngineBenchmarkConfigs.Mux() with { Dips = [new("h13", Ipv4Address.Parse("10.19.13.2"))] };
        var plainMux = new MuxPacketHandler(new MuxState(toAgent, PacketFrames.Mux, PacketFrames.Gateway, new HashSet<string>()),
            new ConnectionTable(4 * Flows, TimeSpan.FromSeconds(120), time), new EngineCounters());
        var markingMux = new MuxPacketHandler(new MuxState(toAgent with { SecondChance = on }, PacketFrames.Mux, PacketFrames.Gateway,
            new HashSet<string>(), time: time, history: history), new ConnectionTable(4 * Flows, TimeSpan.FromSeconds(120), time), new EngineCounters());
        _plain = _frames.Select(f => Encapsulated(plainMux, f)).ToArray();
        _marked = _frames.Select(f => Encapsulated(markingMux, f)).ToArray();
        var agentConfig = EngineBenchmarkConfigs.Agent() with { SecondChance = SecondChance ? on : null };
        var secondChance = SecondChance ? new AgentSecondChance(agentConfig.Connections with { Capacity = 4 * Flows }, new NoKernelConnections(), CoarseTimeProvider.Instance) : null;
        _agent = new AgentPacketHandler(new AgentState(agentConfig), new EngineCounters(), secondChance);
        foreach (var client in clients) secondChance?.Opened(FlowKey.Create(new Ipv4Address(client.Address), client.Port, new Ipv4Address(Vip), 80, IpProtocol.Tcp));

        foreach (var frame in _frames) _mux.Handle(frame, _output, out _);
        foreach (var packet in _marked) _agent.Handle(packet, out _, out _);
        // The paths measured are the ones meant: every packet forwarded, marked when on, delivered by the agent.
        if (_mux.Counters.Forwarded != Flows || _mux.Counters.SecondChanceMarked != (SecondChance ? Flows : 0)
            || markingMux.Counters.SecondChanceMarked != Flows || _agent.Counters.Forwarded != Flows || _agent.Redirected)
            throw new InvalidOperationException("benchmark set-up: a packet took another path than the one measured");
    }

    private byte[] Encapsulated(MuxPacketHandler mux, byte[] frame)
    {
        mux.Handle(frame, _output, out var length);
        return _output[EthernetHeader.Length..length];
    }

    /// <summary>The mux forwarding an established flow's packet (marked with 3 alternates when on).</summary>
    [Benchmark]
    public int MuxForward()
    {
        _mux.Handle(_frames[_next++ & (Flows - 1)], _output, out var length);
        return length;
    }

    /// <summary>The agent delivering a segment without the option (every packet of an unmoved slot).</summary>
    [Benchmark]
    public int AgentNoOption()
    {
        _agent.Handle(_plain[_next++ & (Flows - 1)], out _, out var length);
        return length;
    }

    /// <summary>The agent delivering a segment with the option of a flow it has (off: the option is ignored).</summary>
    [Benchmark]
    public int AgentOptionOwnFlow()
    {
        _agent.Handle(_marked[_next++ & (Flows - 1)], out _, out var length);
        return length;
    }

    private sealed class NoKernelConnections : IKernelConnections
    {
        public bool HasConnection(in FlowKey flow) => false;
    }
}
