using Lb.Core.Config;
using Lb.Engine.Policy;

namespace Lb.Engine.Agent;

/// <summary>A mux the agent accepts encapsulated packets from, with its counter.</summary>
public sealed class MuxPeerRuntime(MuxPeerConfig config)
{
    public MuxPeerConfig Config { get; } = config;
    public uint Address { get; } = config.Address.Value;
    public long Packets;
}

/// <summary>Immutable snapshot of what the agent's packet path reads; swapped whole on reload.</summary>
public sealed class AgentState
{
    private readonly MuxPeerRuntime[] _muxes;

    public AgentState(EngineConfig config, AgentState? previous = null)
    {
        Config = config;
        OwnAddress = config.Address.Value;
        Vips = new VipSet(config.Vips, previous?.Vips);
        _muxes = new MuxPeerRuntime[config.Muxes.Count];
        for (var i = 0; i < _muxes.Length; i++)
        {
            var mux = new MuxPeerRuntime(config.Muxes[i]);
            if (previous?.FindMux(mux.Address) is { } old) mux.Packets = old.Packets;
            _muxes[i] = mux;
        }
    }

    public EngineConfig Config { get; }
    public uint OwnAddress { get; }
    public VipSet Vips { get; }
    public IReadOnlyList<MuxPeerRuntime> Muxes => _muxes;

    public MuxPeerRuntime? FindMux(uint address)
    {
        foreach (var mux in _muxes)
            if (mux.Address == address) return mux;
        return null;
    }
}
