using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Core.Stats;
using Lb.Engine.Control;
using Lb.Engine.Health;
using Lb.Engine.PacketIo;
using Lb.Engine.PacketIo.Xdp;
using Lb.Engine.Policy;
using Lb.Engine.Runtime;
using Lb.Engine.Roles;

namespace Lb.Engine.Agent;

/// <summary>
/// The agent process. <see cref="AgentPacketHandler"/> checks every IP-in-IP packet addressed to the host; the inner
/// packet is handed to the local stack with the client's source address kept, so the server answers the client
/// directly. Two paths (<c>packet_io</c>):
/// <list type="bullet">
/// <item><c>ring</c> (default): an AF_PACKET receive ring on the interface takes the IP-in-IP frames (BPF: protocol 4
/// to this host), an nftables ingress rule keeps them from the IP stack (which would answer "protocol unreachable":
/// this kernel has no ipip module), and the inner packets go out of a transmit ring on <c>lo</c>, which loops them
/// into the local stack as if received. One system call per batch, no route lookup per packet.</item>
/// <item><c>pcap</c>, or when the ring path cannot be set up (no nft, strict rp_filter on lo): a raw
/// <c>socket(AF_INET, SOCK_RAW, IPPROTO_IPIP)</c> receives (and, being open, stops the "protocol unreachable"
/// replies) and an IPPROTO_RAW socket delivers (header included), in batches (<see cref="RawIpBatchSocket"/>).</item>
/// </list>
/// </summary>
public sealed class AgentEngine : EngineBase, IFrameProcessor
{
    private const int SocketBufferBytes = 8 << 20;
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromMilliseconds(500);

    private readonly EngineCounters _counters = new();
    private AgentPacketHandler? _handler;
    private RawIpBatchSocket? _sockets;
    private IFramePath? _ringPath;
    private KernelIngressDrop? _kernelDrop;
    private Thread? _thread;
    private volatile bool _running;
    private int _receiveErrors;
    private AgentHealthChecker? _health;
    private SockDiag? _sockDiag;
    private RawIpSender? _redirectSender;

    public AgentEngine(string configPath, EngineConfig config, EngineLog log) : base(configPath, config, log)
    {
    }

    public override void Start()
    {
        var config = Config;
        _handler = new AgentPacketHandler(new AgentState(config), _counters);
        if (config.SecondChanceEnabled) EnableSecondChance(config);
        string path;
        string? whyNot = null;
        if (config.PacketIo == PacketIoKind.Xdp && TryStartXdp(config, out whyNot))
        {
            path = $"{_ringPath!.Description}; the XDP program steers IP-in-IP to {config.Address} and passes everything else";
        }
        else if (config.PacketIo is PacketIoKind.Ring or PacketIoKind.Xdp && TryStartRing(config, out whyNot))
        {
            path = $"{_ringPath!.Description}; IP-in-IP frames skip the host's IP stack (nft table netdev {_kernelDrop!.Table})";
        }
        else
        {
            if (config.PacketIo is PacketIoKind.Ring or PacketIoKind.Xdp) Log.Warn($"AF_PACKET ring path unavailable ({whyNot}); using raw IP sockets");
            // A ring-path agent killed earlier may have left its drop rule, which would hide the frames from the raw socket.
            KernelIngressDrop.RemoveStale("agent", config.Interface);
            _sockets = new RawIpBatchSocket(IpProtocol.IpInIp, SocketBufferBytes, ReceiveTimeout);
            _running = true;
            _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "lbengine-agent" };
            _thread.Start();
            path = "raw IP sockets (recvmmsg/sendmmsg)";
        }
        if (config.HealthEnabled)
        {
            _health = new AgentHealthChecker(config, Log);
            var h = config.Health!;
            Log.Info($"health checking: tcp connect to every VIP port every {h.IntervalMs} ms (timeout {h.TimeoutMs} ms, rise {h.Rise}, fall {h.Fall}); reports to udp port {h.Port} of {string.Join(", ", config.Muxes.Select(m => m.Address))}");
        }
        Log.Info($"agent started on {config.Host} ({config.Address}); accepting from muxes {string.Join(", ", config.Muxes.Select(m => $"{m.Name}={m.Address}"))}; " +
                 $"vips {string.Join(", ", config.Vips.Select(v => v.Address))}; {path}");
    }

    /// <summary>
    /// Opens what the second chance needs (the sock_diag socket, the raw socket redirects leave through) once; a
    /// reload that turns it off keeps them open, unused.
    /// </summary>
    private void EnableSecondChance(EngineConfig config)
    {
        if (_handler!.SecondChance is not null) return;
        _sockDiag = SockDiag.Open();
        _redirectSender = new RawIpSender();
        _handler.SecondChance = new AgentSecondChance(config.Connections, new SockDiagConnections(_sockDiag), CoarseTimeProvider.Instance);
        Log.Info($"second chance: TCP segments of connections this host does not have go on to the alternate DIPs the mux lists; peers {string.Join(", ", config.SecondChance!.Peers.Select(p => $"{p.Name}={p.Address}"))}");
    }

    /// <summary>Sends the handler's redirected packet (packet thread); a failure is counted as send_failed.</summary>
    private void SendRedirect()
    {
        var packet = _handler!.Redirect;
        var error = _redirectSender!.Send(packet);
        if (error == 0)
        {
            _counters.PacketsOut++;
            _counters.BytesOut += packet.Length;
            return;
        }
        _counters.SendFailed();
        if (_handler.LastPeer is { } peer) peer.RedirectedOut--;
        if (Log.Verbose) Log.Trace($"redirect failed: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(error)}");
    }

    /// <summary>
    /// The AF_XDP socket on the interface (the XDP program steers IP-in-IP to this host to it), transmit ring on lo;
    /// false (nothing left behind, the reason logged once) if any part fails: the caller then tries the rings.
    /// </summary>
    private bool TryStartXdp(EngineConfig config, out string? whyNot)
    {
        whyNot = null;
        if (HostEnvironment.StrictReversePathFilter("lo")) return false; // the ring path says why, and falls back the same way
        PacketRing? transmit = null;
        try
        {
            var mtu = Math.Max(config.Mtu, HostEnvironment.InterfaceMtu(config.Interface) ?? 0);
            transmit = PacketRing.Open("lo", new PacketRingOptions { Mtu = mtu }, filter: null);
            var own = config.Address.Value;
            _ringPath = XdpFramePath.Open(config.Interface, mtu, outputOverhead: 0, [own],
                _ => new Dictionary<uint, XdpMatch> { [own] = XdpMatch.IpInIp }, Log, transmit);
        }
        catch (Exception e) when (e is XdpUnavailableException or StartupException)
        {
            transmit?.Dispose();
            Log.Warn($"AF_XDP path unavailable on {config.Interface} ({e.Message}); using AF_PACKET rings");
            return false;
        }
        // A ring-path agent killed earlier may have left its drop rule; the XDP program takes the frames before it anyway.
        KernelIngressDrop.RemoveStale("agent", config.Interface);
        _running = true;
        _ringPath.Start([this], reason =>
        {
            if (!_running) return;
            _running = false;
            Fail($"{reason}; stopping");
        });
        return true;
    }

    /// <summary>Receive ring on the interface, nftables drop, transmit ring on lo; false (nothing left behind) if any part fails.</summary>
    private bool TryStartRing(EngineConfig config, out string? whyNot)
    {
        if (HostEnvironment.StrictReversePathFilter("lo"))
        {
            whyNot = "rp_filter is strict (1) on lo: packets injected there with a client's source address would be dropped; set net.ipv4.conf.all.rp_filter and net.ipv4.conf.lo.rp_filter to 0 or 2";
            return false;
        }
        PacketRing? receive = null;
        PacketRing? transmit = null;
        try
        {
            var options = new PacketRingOptions { Mtu = Math.Max(config.Mtu, HostEnvironment.InterfaceMtu(config.Interface) ?? 0) };
            receive = PacketRing.Open(config.Interface, options, CaptureFilters.IpInIpTo(config.Address.Value));
            transmit = PacketRing.Open("lo", options, filter: null);
        }
        catch (StartupException e)
        {
            receive?.Dispose();
            transmit?.Dispose();
            whyNot = e.Message;
            return false;
        }
        _kernelDrop = KernelIngressDrop.TryInstall("agent", config.Interface, KernelIngressDrop.IpInIpRule(config.Address.Value), Log, out var nftError);
        if (_kernelDrop is null)
        {
            receive.Dispose();
            transmit.Dispose();
            whyNot = $"nftables: {nftError}";
            return false;
        }
        _ringPath = new RingFramePath(receive, transmit, filter: null, Log);
        // A re-created interface gets the nftables drop again (its hook went with the old device).
        _ringPath.Link.Restored += reopened =>
        {
            if (reopened) ThreadPool.QueueUserWorkItem(_ => _kernelDrop?.Update(KernelIngressDrop.IpInIpRule(Config.Address.Value)));
        };
        _running = true;
        _ringPath.Start([this], reason =>
        {
            if (!_running) return;
            _running = false;
            Fail($"{reason}; stopping");
        });
        whyNot = null;
        return true;
    }

    /// <summary>The ring's packet thread: an IP-in-IP frame in, the inner packet as a frame for lo out.</summary>
    public int Process(ReadOnlySpan<byte> frame, Span<byte> output)
    {
        var packet = frame.Length > EthernetHeader.Length ? frame[EthernetHeader.Length..] : [];
        var handler = _handler!;
        var reason = handler.Handle(packet, out var offset, out var innerLength);
        if (Log.Verbose) Trace(packet, reason, offset, innerLength);
        if (reason != DropReason.None) return 0;
        if (handler.Redirected)
        {
            SendRedirect();
            return 0;
        }
        // lo takes Ethernet framing with zero addresses; only the type matters.
        output[..12].Clear();
        output[12] = 0x08;
        output[13] = 0x00;
        packet.Slice(offset, innerLength).CopyTo(output[EthernetHeader.Length..]);
        _counters.PacketsOut++;
        _counters.BytesOut += innerLength;
        return EthernetHeader.Length + innerLength;
    }

    public void Prefetch(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > EthernetHeader.Length) _handler!.Prefetch(frame[EthernetHeader.Length..]);
    }

    public void OnSendFailed() => CountDeliverFailed(errno: 0);

    /// <summary>A packet counted out could not be delivered after all: the ring stayed full (errno 0) or sendmmsg failed.</summary>
    private void CountDeliverFailed(int errno)
    {
        _counters.PacketsOut--;
        _counters.SendFailed();
        if (Log.Verbose)
            Log.Trace($"deliver failed: {(errno == 0 ? "the lo transmit ring stayed full" : System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno))}");
    }

    private void Trace(ReadOnlySpan<byte> packet, DropReason reason, int offset, int innerLength)
    {
        if (reason == DropReason.None && _handler!.Redirected)
        {
            Log.Trace($"{PacketTrace.DescribeIp(packet, packet.Length)} redirected to {_handler.LastPeer!.Config.Name} (second chance)");
            return;
        }
        var what = PacketTrace.DescribeIp(reason == DropReason.None ? packet.Slice(offset, innerLength) : packet, packet.Length);
        Log.Trace(reason == DropReason.None ? $"{what} delivered" : $"{what} dropped: {DropReasons.Name(reason)}");
    }

    private void ReceiveLoop()
    {
        var handler = _handler!;
        var sockets = _sockets!;
        if (!HostEnvironment.RaisePacketThreadPriority()) Log.Warn("cannot raise the packet thread's priority (nice -10)");
        Action<int> deliverFailed = CountDeliverFailed;
        while (_running)
        {
            var count = sockets.Receive();
            if (count < 0)
            {
                if (!_running) return;
                var message = System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(-count);
                if (++_receiveErrors < 100)
                {
                    Log.Warn($"receive failed: {message}");
                    continue;
                }
                _running = false;
                Fail($"receive keeps failing ({message}); stopping");
                return;
            }
            _receiveErrors = 0;
            for (var i = 0; i < count; i++)
            {
                var packet = sockets.Packet(i);
                var reason = handler.Handle(packet, out var offset, out var innerLength);
                if (reason == DropReason.None && handler.Redirected)
                {
                    SendRedirect();
                }
                else if (reason == DropReason.None)
                {
                    sockets.Queue(i, offset, innerLength, new Ipv4Header(packet[offset..]).DestinationValue);
                    _counters.PacketsOut++;
                    _counters.BytesOut += innerLength;
                }
                if (Log.Verbose) Trace(packet, reason, offset, innerLength);
            }
            sockets.Flush(deliverFailed);
        }
    }

    private bool _stopped;

    public override void Stop()
    {
        // Runs after a failure too (the packet path stopped itself): what was set up is still torn down.
        if (_stopped || _handler is null) return;
        _stopped = true;
        _running = false;
        _health?.Dispose();
        // The receive timeout wakes the loop; the buffers are freed only once it has left them.
        if (_thread is null || _thread.Join(ReceiveTimeout * 4)) _sockets?.Dispose();
        _ringPath?.Dispose();
        _kernelDrop?.Dispose();
        // After the packet paths stopped: they no longer look up or send.
        _sockDiag?.Dispose();
        _redirectSender?.Dispose();
        Log.Info($"agent stopped: {_counters.PacketsIn} packets in, {_counters.Forwarded} delivered, {_counters.TotalDrops} dropped");
    }

    protected override string Apply(EngineConfig next)
    {
        var handler = _handler!;
        if (next.SecondChanceEnabled) EnableSecondChance(next);
        var state = new AgentState(next, handler.State);
        handler.State = state;
        _health?.Update(next);
        return $"vips {string.Join(", ", next.Vips.Select(v => v.Address))}; muxes {string.Join(", ", next.Muxes.Select(m => m.Name))}";
    }

    public override string Drain(string name) => ControlReply.Error("an agent has no DIPs to drain; send drain to the muxes");
    public override string Undrain(string name) => ControlReply.Error("an agent has no DIPs to undrain; send undrain to the muxes");
    public override string Weight(string name, int weight) => ControlReply.Error("an agent has no DIPs to weight; send weight to the muxes");
    public override string Connections(int limit) => ControlReply.Error("an agent keeps no connection table; send conns to the muxes");
    public override string Lookup(FlowKey flow) => ControlReply.Error("an agent does not balance flows; send lookup to the muxes");

    public override string Health() =>
        _running && _ringPath?.Link.DownReason is { } down ? ControlReply.Error(down)
        : _running ? ControlReply.Ok("receiving", ("role", "agent"), ("host", Config.Host), ("health_checks", _health is not null), ("server_healthy", _health?.ServerHealthy))
                 : ControlReply.Error("not receiving");

    public override string Stats() => ControlReply.Of(Snapshot());

    public override EngineStats Snapshot()
    {
        var state = _handler!.State;
        return CommonStats("agent", _counters, state.Vips, 0) with
        {
            KernelDrops = _ringPath?.KernelDrops(),
            LinkUp = _ringPath is null ? null : !_ringPath.Link.IsDown,
            LinkDownEvents = _ringPath?.Link.DownEvents,
            LinkDownSeconds = _ringPath is null ? null : Math.Round(_ringPath.Link.DownTime.TotalSeconds, 3),
            PacketIoErrors = _ringPath?.Link.Errors,
            Muxes = state.Muxes.Select(m => new MuxPeerStats(m.Config.Name, m.Config.Address.ToString(), m.Packets)).ToList(),
            SecondChance = state.SecondChance ? new SecondChanceStats(
                state.Peers.Select(p => new PeerStats(p.Config.Name, p.Config.Address.ToString(), p.RedirectedOut, p.RedirectedIn)).ToList(),
                state.Peers.Sum(p => p.RedirectedOut), state.Peers.Sum(p => p.RedirectedIn),
                _sockDiag?.Lookups ?? 0, _sockDiag?.Nanoseconds ?? 0) : null,
            ServerHealthy = _health?.ServerHealthy,
            HealthProbes = _health?.ProbesOk,
            HealthProbesFailed = _health?.ProbesFailed,
            HealthReportsSent = _health?.ReportsSent,
            HealthReportsFailed = _health?.ReportsFailed,
        };
    }

    public override void Dispose()
    {
        Stop();
        base.Dispose();
    }
}
