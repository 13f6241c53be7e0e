using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Engine.Policy;

namespace Lb.Engine.Mux;

/// <summary>
/// The mux's pure packet path: captured Ethernet frame in, encapsulated frame (or an ICMP reply, or a drop reason)
/// out, into a caller-owned buffer. No I/O, no allocation, no LINQ. Single-threaded: one handler per packet thread.
/// </summary>
public sealed class MuxPacketHandler(MuxState state, ConnectionTable connections, EngineCounters counters)
{
    public const byte OuterTtl = 64;
    /// <summary>Bytes an output frame may have beyond its input: the outer header and the second chance's option.</summary>
    public const int OutputOverhead = Ipv4Header.MinimumLength + SecondChanceOption.MaxLength;

    /// <summary>Output buffers must hold the largest frame plus the outer header.</summary>
    public const int OutputBufferSize = 65535 + EthernetHeader.Length + OutputOverhead;
    /// <summary>How much of the offending packet an ICMP error quotes beyond its IP header (RFC 792 asks for 8).</summary>
    private const int IcmpQuoteBytes = 8;

    private volatile MuxState _state = state;
    private ushort _identification;
    /// <summary>The current packet's second-chance alternates (one handler per packet thread).</summary>
    private readonly uint[] _alternates = new uint[EngineLimits.MaxAlternates];

    public MuxState State
    {
        get => _state;
        set => _state = value;
    }

    public EngineCounters Counters { get; } = counters;
    public ConnectionTable Connections { get; } = connections;

    /// <summary>Why the last packet was dropped (None when it was forwarded); for the --verbose trace.</summary>
    public DropReason LastDrop { get; private set; }
    /// <summary>The DIP the last forwarded packet went to; for the --verbose trace.</summary>
    public DipRuntime? LastDip { get; private set; }

    public MuxVerdict Handle(ReadOnlySpan<byte> frame, Span<byte> output, out int outputLength)
    {
        outputLength = 0;
        LastDip = null;
        var counters = Counters;
        counters.PacketsIn++;
        counters.BytesIn += frame.Length;
        var state = _state;

        var reason = Ipv4Validator.ValidateFrame(frame, out var packetLength);
        if (reason != DropReason.None) return Drop(reason);
        var packet = frame.Slice(EthernetHeader.Length, packetLength);
        var ip = new Ipv4Header(packet);

        if (state.Vips.Find(ip.SourceValue) is not null)
        {
            // A VIP-sourced packet arriving at the mux means a server's reply took the mux path: DSR is broken.
            counters.DsrViolations++;
            return Drop(DropReason.DsrViolation);
        }
        var vip = state.Vips.Find(ip.DestinationValue);
        if (vip is null) return Drop(DropReason.NotVip);

        reason = FlowKeyExtractor.Extract(packet, out var key, out var flowClass);
        if (reason != DropReason.None) return Drop(reason);
        reason = vip.Admit(key, flowClass, packet);
        if (reason != DropReason.None) return Drop(reason);

        var hash = FlowHash.Compute(key, state.Seed);
        DipRuntime? dip = null;
        if (Connections.TryGet(key, hash, out var remembered))
        {
            dip = state.FindDip((uint)remembered); // null when the DIP left the pool: pick again below
            if (dip is { Down: true }) dip = null; // health checking took it out: re-hash (a drained DIP keeps its flows)
            // A SYN opens a new connection: what the table remembers is an earlier one on the same 5-tuple (the client
            // reused its port), and the pool may have changed since (a drained DIP must get no new connection). Pick
            // by the current table, as Katran does; a retransmitted SYN with the pool unchanged lands where it did.
            if (dip is not null && flowClass == FlowClass.Transport && OpensTcpConnection(ip))
            {
                var current = state.Table.Lookup(hash);
                if (current < 0 || !ReferenceEquals(state.Dips[current], dip)) dip = null;
            }
        }
        var newFlow = dip is null;
        if (dip is null)
        {
            var index = state.Table.Lookup(hash);
            if (index < 0) return Drop(DropReason.NoBackend);
            dip = state.Dips[index];
        }

        // Second chance: a TCP packet that does not open a connection carries its slot's earlier owners.
        var alternates = _alternates;
        var alternateCount = 0;
        if (state.History is not null && flowClass == FlowClass.Transport && ip.Protocol == IpProtocol.Tcp && !OpensTcpConnection(ip))
            alternateCount = state.SecondChanceAlternates(hash, dip.Address, alternates);
        var overhead = Ipv4Header.MinimumLength + SecondChanceOption.Length(alternateCount);

        if (packetLength + overhead > state.Mtu)
        {
            // RFC 1122: never answer an ICMP error with another one; without DF the client expects us to fragment,
            // which the fabric would have to reassemble: drop and count instead.
            if (!ip.DontFragment || flowClass == FlowClass.IcmpError) return Drop(DropReason.TooBigNoDf);
            outputLength = WriteFragmentationNeeded(state, packet, state.Mtu - overhead, output);
            counters.IcmpSent++;
            Drop(DropReason.FragmentationNeeded);
            return MuxVerdict.ReplyIcmp;
        }

        if (newFlow)
        {
            Connections.Set(key, hash, (int)dip.Address);
            dip.Flows++;
            vip.Flows++;
        }
        if (alternateCount > 0) counters.SecondChanceMarked++;

        outputLength = Encapsulate(state, packet, dip.Address, alternates.AsSpan(0, alternateCount), output);
        counters.Forwarded++;
        vip.Packets++;
        vip.Bytes += packetLength;
        dip.Packets++;
        dip.Bytes += packetLength;
        LastDrop = DropReason.None;
        LastDip = dip;
        return MuxVerdict.Forward;
    }

    private static bool OpensTcpConnection(Ipv4Header ip)
    {
        if (ip.Protocol != IpProtocol.Tcp) return false;
        var flags = new TcpHeader(ip.Payload).Flags;
        return (flags & (TcpHeader.FlagSyn | TcpHeader.FlagAck)) == TcpHeader.FlagSyn;
    }

    private MuxVerdict Drop(DropReason reason)
    {
        Counters.Drops[(int)reason]++;
        LastDrop = reason;
        return MuxVerdict.Drop;
    }

    /// <summary>
    /// Ethernet (own MAC -> gateway) + outer IPv4 (own address -> DIP, proto 4; with alternates, the second-chance
    /// option) + the inner packet.
    /// </summary>
    private int Encapsulate(MuxState state, ReadOnlySpan<byte> inner, uint dipAddress, ReadOnlySpan<uint> alternates, Span<byte> output)
    {
        var ip = new Ipv4Header(inner);
        var optionLength = SecondChanceOption.Length(alternates.Length);
        var headerLength = Ipv4Header.MinimumLength + optionLength;
        var outerLength = inner.Length + headerLength;
        EthernetHeader.Write(output, state.GatewayMac, state.OwnMac, EthernetHeader.EtherTypeIpv4);
        var outer = output.Slice(EthernetHeader.Length, outerLength);
        if (optionLength > 0) SecondChanceOption.Write(outer[Ipv4Header.MinimumLength..], alternates);
        // RFC 2003 3.1: copy the inner DF bit and TOS; a fresh identification for the outer header.
        Ipv4Header.Write(outer, outerLength, _identification++, ip.DontFragment ? Ipv4Header.FlagDontFragment : (ushort)0,
            OuterTtl, IpProtocol.IpInIp, state.OwnAddress, dipAddress, ip.DscpEcn, optionLength);
        var innerCopy = outer[headerLength..];
        inner.CopyTo(innerCopy);
        if (TransportChecksum.FinishIfPartial(innerCopy)) Counters.ChecksumsFinished++;
        return EthernetHeader.Length + outerLength;
    }

    /// <summary>
    /// ICMP "fragmentation needed" (type 3 code 4, next-hop MTU = mtu - the outer header) to the client, from the VIP the packet
    /// was sent to (as Katran does): the VIP is the public, routable address the client talks to, so the error passes
    /// anti-spoofing filters and NATs on the way back, where a mux's internal address might be dropped. The client's
    /// TCP matches the quoted header, so PMTU discovery then works end to end.
    /// </summary>
    private static int WriteFragmentationNeeded(MuxState state, ReadOnlySpan<byte> offending, int nextHopMtu, Span<byte> output)
    {
        var ip = new Ipv4Header(offending);
        var quoteLength = Math.Min(offending.Length, ip.HeaderLength + IcmpQuoteBytes);
        var icmpLength = IcmpHeader.Length + quoteLength;
        var totalLength = Ipv4Header.MinimumLength + icmpLength;
        EthernetHeader.Write(output, state.GatewayMac, state.OwnMac, EthernetHeader.EtherTypeIpv4);
        var reply = output.Slice(EthernetHeader.Length, totalLength);
        Ipv4Header.Write(reply, totalLength, 0, 0, OuterTtl, IpProtocol.Icmp, ip.DestinationValue, ip.SourceValue);
        IcmpHeader.WriteFragmentationNeeded(reply[Ipv4Header.MinimumLength..], nextHopMtu, offending[..quoteLength]);
        return EthernetHeader.Length + totalLength;
    }
}
