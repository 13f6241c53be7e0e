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

/// <summary>Another DIP's agent (second chance): packets redirected to it and received from it.</summary>
public sealed class PeerRuntime(PeerConfig config)
{
    public PeerConfig Config { get; } = config;
    public uint Address { get; } = config.Address.Value;
    public long RedirectedOut;
    public long RedirectedIn;
}

/// <summary>Immutable snapshot of what the agent's packet path reads; swapped whole on reload.</summary>
public sealed class AgentState
{
    private readonly MuxPeerRuntime[] _muxes;
    private readonly PeerRuntime[] _peers;

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
        // Peers count only with the second chance on: otherwise the agent accepts its muxes alone, as before.
        var peers = config.SecondChance is { Enabled: true } secondChance ? secondChance.Peers : [];
        _peers = new PeerRuntime[peers.Count];
        for (var i = 0; i < _peers.Length; i++)
        {
            var peer = new PeerRuntime(peers[i]);
            if (previous?.FindPeer(peer.Address) is { } old)
            {
                peer.RedirectedOut = old.RedirectedOut;
                peer.RedirectedIn = old.RedirectedIn;
            }
            _peers[i] = peer;
        }
    }

    public EngineConfig Config { get; }
    public uint OwnAddress { get; }
    public VipSet Vips { get; }
    public IReadOnlyList<MuxPeerRuntime> Muxes => _muxes;
    public IReadOnlyList<PeerRuntime> Peers => _peers;
    public bool SecondChance => Config.SecondChanceEnabled;

    public PeerRuntime? FindPeer(uint address)
    {
        foreach (var peer in _peers)
            if (peer.Address == address) return peer;
        return null;
    }

    public MuxPeerRuntime? FindMux(uint address)
    {
        foreach (var mux in _muxes)
            if (mux.Address == address) return mux;
        return null;
    }
}
