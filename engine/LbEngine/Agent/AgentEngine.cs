using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Packets;
using Lb.Core.Stats;
using Lb.Engine.Control;
using Lb.Engine.Health;
using Lb.Engine.Hosting;
using Lb.Engine.PacketIo;
using Lb.Engine.Policy;

namespace Lb.Engine.Agent;

/// <summary>
/// The agent process: a raw <c>socket(AF_INET, SOCK_RAW, IPPROTO_IPIP)</c> receives every IP-in-IP packet addressed
/// to the host (and, being open, stops the kernel's "protocol unreachable" replies, since this kernel has no ipip
/// module); <see cref="AgentPacketHandler"/> checks it; the inner packet is delivered with an IPPROTO_RAW socket
/// (header included) so the kernel keeps the client's source address and the server answers the client directly.
/// Both sockets work in batches (<see cref="RawIpBatchSocket"/>: recvmmsg / sendmmsg).
/// </summary>
public sealed class AgentEngine : EngineBase
{
    private const int SocketBufferBytes = 8 << 20;
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromMilliseconds(500);

    private readonly EngineCounters _counters = new();
    private AgentPacketHandler? _handler;
    private RawIpBatchSocket? _sockets;
    private Thread? _thread;
    private volatile bool _running;
    private int _receiveErrors;
    private AgentHealthChecker? _health;

    public AgentEngine(string configPath, EngineConfig config, EngineLog log) : base(configPath, config, log)
    {
    }

    public override void Start()
    {
        var config = Config;
        _handler = new AgentPacketHandler(new AgentState(config), _counters);
        _sockets = new RawIpBatchSocket(IpProtocol.IpInIp, SocketBufferBytes, ReceiveTimeout);
        _running = true;
        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "lbengine-agent" };
        _thread.Start();
        if (config.HealthEnabled)
        {
            _health = new AgentHealthChecker(config, Log);
            var h = config.Health!;
            Log.Info($"health checking: tcp connect to every VIP port every {h.IntervalMs} ms (timeout {h.TimeoutMs} ms, rise {h.Rise}, fall {h.Fall}); reports to udp port {h.Port} of {string.Join(", ", config.Muxes.Select(m => m.Address))}");
        }
        Log.Info($"agent started on {config.Host} ({config.Address}); accepting from muxes {string.Join(", ", config.Muxes.Select(m => $"{m.Name}={m.Address}"))}; " +
                 $"vips {string.Join(", ", config.Vips.Select(v => v.Address))}");
    }

    private void ReceiveLoop()
    {
        var handler = _handler!;
        var sockets = _sockets!;
        if (!HostEnvironment.RaisePacketThreadPriority()) Log.Warn("cannot raise the packet thread's priority (nice -10)");
        Action<int, int> deliverFailed = OnDeliverFailed;
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
                if (reason == DropReason.None)
                {
                    sockets.Queue(i, offset, innerLength, new Ipv4Header(packet[offset..]).DestinationValue);
                    _counters.PacketsOut++;
                    _counters.BytesOut += innerLength;
                }
                if (Log.Verbose)
                {
                    var what = PacketTrace.DescribeIp(reason == DropReason.None ? packet.Slice(offset, innerLength) : packet, packet.Length);
                    Log.Trace(reason == DropReason.None ? $"{what} delivered" : $"{what} dropped: {DropReasons.Name(reason)}");
                }
            }
            sockets.Flush(deliverFailed);
        }
    }

    private void OnDeliverFailed(int index, int errno)
    {
        _counters.PacketsOut--;
        _counters.SendFailed();
        if (Log.Verbose) Log.Trace($"deliver failed: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
    }

    public override void Stop()
    {
        if (!_running) return;
        _running = false;
        _health?.Dispose();
        // The receive timeout wakes the loop; the buffers are freed only once it has left them.
        if (_thread is null || _thread.Join(ReceiveTimeout * 4)) _sockets?.Dispose();
        Log.Info($"agent stopped: {_counters.PacketsIn} packets in, {_counters.Forwarded} delivered, {_counters.TotalDrops} dropped");
    }

    protected override string Apply(EngineConfig next)
    {
        var handler = _handler!;
        var state = new AgentState(next, handler.State);
        handler.State = state;
        _health?.Update(next);
        return $"vips {string.Join(", ", next.Vips.Select(v => v.Address))}; muxes {string.Join(", ", next.Muxes.Select(m => m.Name))}";
    }

    public override string Drain(string name) => ControlReply.Error("an agent has no DIPs to drain; send drain to the muxes");
    public override string Undrain(string name) => ControlReply.Error("an agent has no DIPs to undrain; send undrain to the muxes");

    public override string Health() =>
        _running ? ControlReply.Ok("receiving", ("role", "agent"), ("host", Config.Host), ("health_checks", _health is not null), ("server_healthy", _health?.ServerHealthy))
                 : ControlReply.Error("not receiving");

    public override string Stats() => ControlReply.Of(Snapshot());

    public override EngineStats Snapshot()
    {
        var state = _handler!.State;
        return CommonStats("agent", _counters, state.Vips, 0) with
        {
            Muxes = state.Muxes.Select(m => new MuxPeerStats(m.Config.Name, m.Config.Address.ToString(), m.Packets)).ToList(),
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
