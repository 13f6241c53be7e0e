using System.Buffers.Binary;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Engine.Policy;

namespace Lb.Engine.Agent;

/// <summary>
/// The agent's pure packet path: an IPv4 packet as a raw IP socket returns it (outer header first) in; the inner
/// packet to deliver (as a range of the input) or a drop reason out. No I/O, no allocation.
/// </summary>
public sealed class AgentPacketHandler(AgentState state, EngineCounters counters, AgentSecondChance? secondChance = null)
{
    public const byte OuterTtl = 64;
    /// <summary>Room for the largest redirected packet: an inner packet, a plain header and the largest option.</summary>
    public const int RedirectBufferSize = 65535 + Ipv4Header.MinimumLength + SecondChanceOption.MaxLength;

    private volatile AgentState _state = state;
    private readonly byte[] _redirect = new byte[RedirectBufferSize];
    private readonly uint[] _remaining = new uint[EngineLimits.MaxAlternates];
    private ushort _identification;
    private int _redirectLength;

    public AgentState State
    {
        get => _state;
        set => _state = value;
    }

    public EngineCounters Counters { get; } = counters;
    private volatile AgentSecondChance? _secondChance = secondChance;

    /// <summary>Null until the second chance is first turned on (start or reload); then it applies while the state says so.</summary>
    public AgentSecondChance? SecondChance
    {
        get => _secondChance;
        set => _secondChance = value;
    }

    /// <summary>
    /// After a <see cref="Handle"/> that returned None with an inner length of 0: the packet to send to another DIP's
    /// agent instead of delivering it (outer header to it first; valid until the next call).
    /// </summary>
    public ReadOnlySpan<byte> Redirect => _redirect.AsSpan(0, _redirectLength);
    public bool Redirected => _redirectLength > 0;
    /// <summary>The peer the last redirected packet went to.</summary>
    public PeerRuntime? LastPeer { get; private set; }

    /// <summary>
    /// A hint for the packet the loop hands over next: when it may carry the second chance's option (an outer header
    /// with options around a TCP segment), start loading the agent's flow-set bucket for it, so that lookup overlaps
    /// the work on the packet before it. Reads only within the span's bounds, decides and counts nothing: the packet
    /// is checked when it is handled.
    /// </summary>
    public void Prefetch(ReadOnlySpan<byte> packet)
    {
        if (SecondChance is not { } secondChance || !_state.SecondChance || packet.Length < Ipv4Header.MinimumLength) return;
        var outerLength = (packet[0] & 0x0F) * 4;
        if (outerLength <= Ipv4Header.MinimumLength || packet[9] != IpProtocol.IpInIp || packet.Length < outerLength + Ipv4Header.MinimumLength) return;
        var inner = packet[outerLength..];
        var innerLength = (inner[0] & 0x0F) * 4;
        if (inner[9] != IpProtocol.Tcp || innerLength < Ipv4Header.MinimumLength || inner.Length < innerLength + 4) return;
        secondChance.Prefetch(new FlowKey(
            BinaryPrimitives.ReadUInt32BigEndian(inner[12..]), BinaryPrimitives.ReadUInt32BigEndian(inner[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(inner[innerLength..]), BinaryPrimitives.ReadUInt16BigEndian(inner[(innerLength + 2)..]),
            IpProtocol.Tcp));
    }

    /// <summary>
    /// Checks an encapsulated packet: outer IPv4 proto 4 to this host from a configured mux (or, with the second
    /// chance, a peer); inner a valid IPv4 packet to a VIP that serves it. On <see cref="DropReason.None"/> the inner
    /// packet is <c>packet.Slice(innerOffset, innerLength)</c>, or, when <see cref="Redirected"/>, the packet to send is
    /// <see cref="Redirect"/>.
    /// </summary>
    public DropReason Handle(ReadOnlySpan<byte> packet, out int innerOffset, out int innerLength)
    {
        innerOffset = 0;
        innerLength = 0;
        _redirectLength = 0;
        LastPeer = null;
        var counters = Counters;
        counters.PacketsIn++;
        counters.BytesIn += packet.Length;
        var state = _state;

        var reason = Ipv4Validator.Validate(packet, out var outerLength);
        if (reason != DropReason.None) return Drop(reason);
        var outer = new Ipv4Header(packet);
        if (outer.Protocol != IpProtocol.IpInIp) return Drop(DropReason.NotIpInIp);
        if (outer.DestinationValue != state.OwnAddress) return Drop(DropReason.NotForThisHost);
        var mux = state.FindMux(outer.SourceValue);
        if (mux is not null) mux.Packets++;
        else if (state.FindPeer(outer.SourceValue) is { } from) from.RedirectedIn++;
        else return Drop(DropReason.UnknownMux);

        var offset = outer.HeaderLength;
        var innerBytes = packet[offset..outerLength];
        reason = Ipv4Validator.Validate(innerBytes, out var length);
        if (reason != DropReason.None) return Drop(reason);
        var inner = innerBytes[..length];
        var ip = new Ipv4Header(inner);
        var vip = state.Vips.Find(ip.DestinationValue);
        if (vip is null) return Drop(DropReason.InnerNotVip);
        reason = FlowKeyExtractor.Extract(inner, out var key, out var flowClass);
        if (reason != DropReason.None) return Drop(reason);
        reason = vip.Admit(key, flowClass, inner);
        if (reason != DropReason.None) return Drop(reason);
        var redirected = false;
        if (SecondChance is { } secondChance && state.SecondChance && flowClass == FlowClass.Transport && ip.Protocol == IpProtocol.Tcp)
        {
            reason = SecondChanceOption.Find(outer.Options, out var option, out var found);
            if (reason != DropReason.None) return Drop(reason);
            var flags = new TcpHeader(ip.Payload).Flags;
            if ((flags & (TcpHeader.FlagSyn | TcpHeader.FlagAck)) == TcpHeader.FlagSyn) secondChance.Opened(key);
            else
            {
                redirected = found && !secondChance.IsLocal(key) && TryRedirect(state, option, inner);
                if ((flags & (TcpHeader.FlagFin | TcpHeader.FlagRst)) != 0) secondChance.Closed(key);
            }
        }

        // A redirected packet is forwarded too (to a peer): packets_in stays forwarded + drops.
        counters.Forwarded++;
        vip.Packets++;
        vip.Bytes += length;
        if (redirected) return DropReason.None;
        innerOffset = offset;
        innerLength = length;
        return DropReason.None;
    }

    /// <summary>
    /// Re-encapsulates the inner packet to the first alternate that is a configured peer, with the alternates after
    /// it in the option (none: no option, that DIP delivers). The list only shrinks, so a packet is passed on at most
    /// as many times as the mux listed alternates. False when no alternate is a peer: this host delivers.
    /// </summary>
    private bool TryRedirect(AgentState state, SecondChanceOption option, ReadOnlySpan<byte> inner)
    {
        for (var i = 0; i < option.Count; i++)
        {
            var peer = state.FindPeer(option[i]);
            if (peer is null) continue;
            var remaining = option.Count - i - 1;
            for (var j = 0; j < remaining; j++) _remaining[j] = option[i + 1 + j];
            var optionLength = remaining == 0 ? 0 : SecondChanceOption.Write(_redirect.AsSpan(Ipv4Header.MinimumLength), _remaining.AsSpan(0, remaining));
            var headerLength = Ipv4Header.MinimumLength + optionLength;
            var total = headerLength + inner.Length;
            var ip = new Ipv4Header(inner);
            Ipv4Header.Write(_redirect, total, _identification++, ip.DontFragment ? Ipv4Header.FlagDontFragment : (ushort)0,
                OuterTtl, IpProtocol.IpInIp, state.OwnAddress, peer.Address, ip.DscpEcn, optionLength);
            inner.CopyTo(_redirect.AsSpan(headerLength));
            _redirectLength = total;
            peer.RedirectedOut++;
            LastPeer = peer;
            return true;
        }
        return false;
    }

    private DropReason Drop(DropReason reason)
    {
        Counters.Drops[(int)reason]++;
        return reason;
    }
}
