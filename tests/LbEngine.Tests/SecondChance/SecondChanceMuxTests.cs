using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Engine.Mux;
using Lb.Engine.Policy;
using Lb.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.SecondChance;

/// <summary>A mux of three DIPs with the second chance on, on a fake clock; a drain rebuilds its state as the engine does.</summary>
public abstract class SecondChanceMuxTests
{
    protected readonly byte[] _output = new byte[MuxPacketHandler.OutputBufferSize];
    protected readonly FakeTimeProvider _time = new();

    protected static readonly EngineConfig Config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 1), ("c", "10.0.3.2", 1))
        with { SecondChance = new SecondChanceConfig { Enabled = true } };

    protected MuxPacketHandler Handler(EngineConfig config, IReadOnlySet<string>? drained = null) =>
        new(new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, drained ?? new HashSet<string>(), time: _time),
            new ConnectionTable(1024, TimeSpan.FromSeconds(120), _time), new EngineCounters());

    protected void Drain(MuxPacketHandler handler, params string[] names) =>
        handler.State = new MuxState(handler.State.Config, TestFrames.MuxMac, TestFrames.GatewayMac, names.ToHashSet(), handler.State, time: _time);
}
