using Lb.Engine.Interop;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo.Xdp;

/// <summary>
/// The AF_XDP frame path (<c>packet_io: xdp</c>): lbengine's XDP program steers the frames the engine handles into an
/// AF_XDP socket and passes every other frame to the kernel's stack, so neither a tap's copy nor an nftables drop is
/// needed. One packet thread runs <see cref="XdpFrameLoop"/>; link flaps are ridden out as on the rings (the socket
/// stays bound while the link is down), and a re-created interface gets a new session.
/// </summary>
internal sealed class XdpFramePath : IFramePath
{
    private readonly Func<IReadOnlyList<uint>, IReadOnlyDictionary<uint, XdpMatch>> _targetsFor;
    private readonly int _frameSize;
    private readonly string _programPath;
    private readonly EngineLog _log;
    // The agent's output leaves through an AF_PACKET transmit ring on lo; the mux's through the socket itself.
    private readonly PacketRing? _transmit;
    private readonly CancellationTokenSource _stop = new();
    // Replaced when the interface is re-created; SetVips and KernelDrops come from other threads.
    private readonly Lock _sessionLock = new();
    private XdpSession _session;
    private IReadOnlyDictionary<uint, XdpMatch> _targets;
    private long _closedSessionDrops;
    private Thread? _thread;

    private XdpFramePath(XdpSession session, IReadOnlyDictionary<uint, XdpMatch> targets, Func<IReadOnlyList<uint>, IReadOnlyDictionary<uint, XdpMatch>> targetsFor,
        int frameSize, string programPath, PacketRing? transmit, EngineLog log, LinkLimits? limits, ILinkProbe? probe, TimeProvider? time)
    {
        _transmit = transmit;
        _session = session;
        _targets = targets;
        _targetsFor = targetsFor;
        _frameSize = frameSize;
        _programPath = programPath;
        _log = log;
        Link = new LinkMonitor(session.Interface, session.IfIndex, probe ?? KernelLinkProbe.Instance, time ?? TimeProvider.System, limits ?? LinkLimits.Default, log);
    }

    /// <summary>
    /// Opens the path on <paramref name="interfaceName"/> steering what <paramref name="targetsFor"/> makes of
    /// <paramref name="vips"/>; throws <see cref="XdpUnavailableException"/> (the caller falls back to its rings).
    /// Output frames go back out of the socket, or to <paramref name="transmit"/> (owned from then on) when given.
    /// </summary>
    public static XdpFramePath Open(string interfaceName, int mtu, int outputOverhead, IReadOnlyList<uint> vips,
        Func<IReadOnlyList<uint>, IReadOnlyDictionary<uint, XdpMatch>> targetsFor, EngineLog log, PacketRing? transmit = null, string? programPath = null)
    {
        var frameSize = FrameSize(mtu, outputOverhead);
        var path = programPath ?? XdpSteering.DefaultProgramPath;
        var targets = targetsFor(vips);
        var session = XdpSession.Open(interfaceName, frameSize, targets, path, log.Verbose);
        return new XdpFramePath(session, targets, targetsFor, frameSize, path, transmit, log, null, null, null);
    }

    /// <summary>
    /// The UMEM frame size for a link MTU: a received frame needs the kernel's headroom in front of it, a transmitted
    /// one the processor's additions (the mux's outer header); UMEM frames are 2 or 4 KiB.
    /// </summary>
    public static int FrameSize(int mtu, int outputOverhead)
    {
        var needed = Math.Max(LibXdp.PacketHeadroom + EthernetBytes + mtu, EthernetBytes + mtu + outputOverhead);
        if (needed <= 2048) return 2048;
        if (needed <= 4096) return 4096;
        throw new XdpUnavailableException($"MTU {mtu} does not fit a 4 KiB AF_XDP frame");
    }

    private const int EthernetBytes = 14;

    public LinkMonitor Link { get; }

    public string Description => _transmit is null ? _session.Description : $"{_session.Description}, transmit ring on {_transmit.Interface}";

    public void Start(IReadOnlyList<IFrameProcessor> processors, Action<string> failed)
    {
        var processor = processors[0];
        _thread = PacketThread.Start("lbengine-xdp", "the socket's rings", _log, () => Supervise(processor, _stop.Token), failed);
    }

    /// <summary>Runs the loop until stopped; between runs, rides out link failures. Returns why it gave up, or null.</summary>
    private string? Supervise(IFrameProcessor processor, CancellationToken stop)
    {
        Func<bool> linkUsable = Link.IdleCheck;
        while (!stop.IsCancellationRequested)
        {
            var loop = _session.Loop;
            LinkAction action;
            try
            {
                action = loop.Run(processor, stop, linkUsable, _transmit) switch
                {
                    RingExit.SocketError => Link.OnError(loop.SocketError == PacketSocket.ENetDown, $"the AF_XDP socket reported errno {loop.SocketError}", stop),
                    RingExit.LinkDown => LinkAction.Wait,
                    RingExit.ProcessorFailed => ProcessorFailed(loop, stop),
                    _ => LinkAction.Stopped,
                };
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug in the loop itself: reported and counted like a processor failure, never a crash of the engine.
                if (_log.Verbose) _log.Trace(e.ToString());
                action = Link.CountError($"AF_XDP loop failed: {e.GetType().Name}: {e.Message}", stop) ? LinkAction.Resume : LinkAction.Stopped;
            }
            if (Link.Settle(action, Reopen, stop) is { } end) return end.Length > 0 ? end : null;
        }
        return null;
    }

    private LinkAction ProcessorFailed(XdpFrameLoop loop, CancellationToken stop)
    {
        var e = loop.TakeProcessorFailure()!;
        if (_log.Verbose) _log.Trace(e.ToString());
        return Link.CountError($"packet thread failed: {e.GetType().Name}: {e.Message}", stop) ? LinkAction.Resume : LinkAction.Stopped;
    }

    /// <summary>The interface was re-created (new index): a new program attachment and socket on it.</summary>
    private LinkAction Reopen(CancellationToken stop)
    {
        XdpSession fresh, old;
        lock (_sessionLock)
        {
            try
            {
                fresh = XdpSession.Open(Link.Interface, _frameSize, _targets, _programPath, _log.Verbose);
            }
            catch (XdpUnavailableException e)
            {
                return Link.CountError($"cannot open the AF_XDP path on the re-created interface: {e.Message}", stop) ? LinkAction.Wait : LinkAction.Stopped;
            }
            old = _session;
            _closedSessionDrops += old.Socket.KernelDrops();
            _session = fresh;
        }
        old.Dispose();
        Link.Reopened(fresh.IfIndex);
        return LinkAction.Resume;
    }

    public void SetVips(IReadOnlyList<uint> vips)
    {
        var targets = _targetsFor(vips);
        lock (_sessionLock)
        {
            _session.Steering.SetTargets(targets);
            _targets = targets;
        }
    }

    public long KernelDrops()
    {
        lock (_sessionLock) return _closedSessionDrops + _session.Socket.KernelDrops();
    }

    public void Stop()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _thread?.Join();
    }

    public void Dispose()
    {
        Stop();
        lock (_sessionLock) _session.Dispose();
        _transmit?.Dispose();
        _stop.Dispose();
    }
}
