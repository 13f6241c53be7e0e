using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Packets;
using Lb.Core.Stats;
using Lb.Engine.Control;
using Lb.Engine.Health;
using Lb.Engine.Hosting;
using Lb.Engine.Interop;
using Lb.Engine.Policy;

namespace Lb.Engine.Agent;

/// <summary>
/// The agent process: a raw <c>socket(AF_INET, SOCK_RAW, IPPROTO_IPIP)</c> receives every IP-in-IP packet addressed
/// to the host (and, being open, stops the kernel's "protocol unreachable" replies, since this kernel has no ipip
/// module); <see cref="AgentPacketHandler"/> checks it; the inner packet is delivered with an IPPROTO_RAW socket
/// (header included) so the kernel keeps the client's source address and the server answers the client directly.
/// </summary>
public sealed class AgentEngine : EngineBase
{
    private const int ReceiveBufferBytes = 8 << 20;

    private readonly EngineCounters _counters = new();
    private readonly byte[] _buffer = new byte[65536];
    private AgentPacketHandler? _handler;
    private Socket? _receive;
    private Socket? _deliver;
    private Thread? _thread;
    private volatile Dictionary<uint, SocketAddress> _vipEndpoints = new();
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
        _vipEndpoints = VipEndpoints(config);

        var fd = Libc.socket(Libc.AfInet, Libc.SockRaw, IpProtocol.IpInIp);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno is Libc.EPerm or Libc.EAcces
                ? new StartupException("root (CAP_NET_RAW) is required to open a raw IP-in-IP socket; run lbengine as root")
                : new StartupException($"cannot open a raw IP-in-IP socket (errno {errno}); check the kernel supports raw sockets");
        }
        // A receive timeout lets the loop notice shutdown even if closing the socket does not wake it.
        _receive = new Socket(new SafeSocketHandle(fd, ownsHandle: true)) { ReceiveBufferSize = ReceiveBufferBytes, ReceiveTimeout = 500 };
        _deliver = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw) { SendBufferSize = ReceiveBufferBytes };
        _deliver.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);
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

    private static Dictionary<uint, SocketAddress> VipEndpoints(EngineConfig config) =>
        config.Vips.ToDictionary(v => v.Address.Value, v => new IPEndPoint(new IPAddress(v.Address.GetBytes()), 0).Serialize());

    private void ReceiveLoop()
    {
        var handler = _handler!;
        var receive = _receive!;
        var deliver = _deliver!;
        while (_running)
        {
            int length;
            try
            {
                length = receive.Receive(_buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!_running) return;
                if (++_receiveErrors < 100)
                {
                    Log.Warn($"receive failed: {e.Message}");
                    continue;
                }
                _running = false;
                Fail($"receive keeps failing ({e.Message}); stopping");
                return;
            }
            _receiveErrors = 0;
            var packet = new ReadOnlySpan<byte>(_buffer, 0, length);
            var reason = handler.Handle(packet, out var offset, out var innerLength);
            if (reason == DropReason.None)
            {
                var inner = packet.Slice(offset, innerLength);
                try
                {
                    var vip = new Ipv4Header(inner).DestinationValue;
                    deliver.SendTo(inner, SocketFlags.None, _vipEndpoints[vip]);
                    _counters.PacketsOut++;
                    _counters.BytesOut += innerLength;
                }
                catch (SocketException e)
                {
                    _counters.SendFailed();
                    if (Log.Verbose) Log.Trace($"deliver failed: {e.Message}");
                }
            }
            if (Log.Verbose)
            {
                var what = PacketTrace.DescribeIp(reason == DropReason.None ? packet.Slice(offset, innerLength) : packet, length);
                Log.Trace(reason == DropReason.None ? $"{what} delivered" : $"{what} dropped: {DropReasons.Name(reason)}");
            }
        }
    }

    public override void Stop()
    {
        if (!_running) return;
        _running = false;
        _health?.Dispose();
        _thread?.Join(TimeSpan.FromSeconds(2)); // the receive timeout wakes the loop
        _receive?.Dispose();
        _deliver?.Dispose();
        Log.Info($"agent stopped: {_counters.PacketsIn} packets in, {_counters.Forwarded} delivered, {_counters.TotalDrops} dropped");
    }

    protected override string Apply(EngineConfig next)
    {
        var handler = _handler!;
        var state = new AgentState(next, handler.State);
        _vipEndpoints = VipEndpoints(next);
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
