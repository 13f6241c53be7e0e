using Lb.Engine.Interop;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// A receive <see cref="PacketRing"/> run on a dedicated packet thread, sending through a transmit ring: the same
/// ring (the mux answers on its interface) or another one (the agent injects on <c>lo</c>). The thread outlives its
/// link: when the ring's interface goes down it waits for it (<see cref="LinkMonitor"/>) and runs the same ring again,
/// or a new one if the interface was re-created; only an interface that stays removed ends it.
/// </summary>
internal sealed class RingFramePath : IFramePath
{
    private readonly Func<IReadOnlyList<uint>, PacketSocket.SockFilter[]>? _filter;
    private readonly EngineLog _log;
    private readonly CancellationTokenSource _stop = new();
    // The receive ring (and the transmit ring, when it is the same) is replaced when its interface is re-created;
    // SetVips and KernelDrops come from other threads.
    private readonly Lock _ringLock = new();
    private PacketRing _receive;
    private PacketRing _transmit;
    private long _closedRingDrops;
    private Thread? _thread;

    public RingFramePath(PacketRing receive, PacketRing transmit, Func<IReadOnlyList<uint>, PacketSocket.SockFilter[]>? filter, EngineLog log,
        LinkLimits? limits = null, ILinkProbe? probe = null, TimeProvider? time = null)
    {
        _receive = receive;
        _transmit = transmit;
        _filter = filter;
        _log = log;
        Link = new LinkMonitor(receive.Interface, receive.IfIndex, probe ?? KernelLinkProbe.Instance, time ?? TimeProvider.System, limits ?? LinkLimits.Default, log);
    }

    public LinkMonitor Link { get; }

    public string Description => ReferenceEquals(_receive, _transmit)
        ? $"AF_PACKET rings on {_receive.Interface} ({_receive.TransmitCapacity + PacketSocket.TxDataOffset}-byte frames)"
        : $"AF_PACKET receive ring on {_receive.Interface}, transmit ring on {_transmit.Interface}";

    public void Start(IReadOnlyList<IFrameProcessor> processors, Action<string> failed) => Start(processors[0], "lbengine-ring", failed);

    /// <summary>Starts the packet thread, named <paramref name="threadName"/>, feeding <paramref name="processor"/>.</summary>
    internal void Start(IFrameProcessor processor, string threadName, Action<string> failed)
    {
        _thread = PacketThread.Start(threadName, "the ring", _log, () => Supervise(processor, _stop.Token), failed);
    }

    /// <summary>Runs the ring until stopped; between runs, rides out link failures. Returns why it gave up, or null.</summary>
    private string? Supervise(IFrameProcessor processor, CancellationToken stop)
    {
        Func<bool> linkUsable = Link.IdleCheck;
        while (!stop.IsCancellationRequested)
        {
            var receive = _receive;
            LinkAction action;
            try
            {
                action = receive.Run(processor, _transmit, stop, linkUsable) switch
                {
                    RingExit.SocketError => Link.OnError(receive.SocketError == PacketSocket.ENetDown,
                        $"the packet socket reported {ErrorName(receive.SocketError)}", stop),
                    RingExit.LinkDown => LinkAction.Wait,
                    _ => LinkAction.Stopped,
                };
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The handlers count and drop bad packets; reaching here is a bug: say so, skip the frame, carry on.
                if (_log.Verbose) _log.Trace(e.ToString());
                receive.SkipFrame();
                action = Link.CountError($"packet thread failed: {e.GetType().Name}: {e.Message}", stop) ? LinkAction.Resume : LinkAction.Stopped;
            }
            if (Link.Settle(action, Reopen, stop) is { } end) return end.Length > 0 ? end : null;
        }
        return null;
    }

    /// <summary>The interface was re-created (new index): a new ring on it, the current filter attached.</summary>
    private LinkAction Reopen(CancellationToken stop)
    {
        PacketRing fresh, old;
        lock (_ringLock)
        {
            // Under the lock: a SetVips meanwhile would set its filter on the old ring only.
            try
            {
                fresh = _receive.Reopen();
            }
            catch (StartupException e)
            {
                fresh = null!;
                if (!Link.CountError($"cannot open the ring on the re-created interface: {e.Message}", stop)) return LinkAction.Stopped;
            }
            if (fresh is null) return LinkAction.Wait;
            old = _receive;
            _closedRingDrops += old.KernelDrops();
            if (ReferenceEquals(_transmit, old)) _transmit = fresh;
            _receive = fresh;
        }
        old.Dispose();
        Link.Reopened(fresh.IfIndex);
        return LinkAction.Resume;
    }

    private static string ErrorName(int errno) => errno switch
    {
        0 => "an error",
        PacketSocket.ENetDown => "ENETDOWN",
        PacketSocket.ENoDev => "ENODEV",
        PacketSocket.ENxio => "ENXIO",
        _ => $"'{System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}' (errno {errno})",
    };

    public void SetVips(IReadOnlyList<uint> vips)
    {
        if (_filter is null) return;
        lock (_ringLock) _receive.SetFilter(_filter(vips));
    }

    public long KernelDrops()
    {
        lock (_ringLock) return _closedRingDrops + _receive.KernelDrops();
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
        _receive.Dispose();
        if (!ReferenceEquals(_receive, _transmit)) _transmit.Dispose();
        _stop.Dispose();
    }
}
