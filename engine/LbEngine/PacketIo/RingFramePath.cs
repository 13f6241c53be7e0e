using Lb.Engine.Interop;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// A receive <see cref="PacketRing"/> run on a dedicated packet thread, sending through a transmit ring: the same
/// ring (the mux answers on its interface) or another one (the agent injects on <c>lo</c>).
/// </summary>
internal sealed class RingFramePath(PacketRing receive, PacketRing transmit, Func<IReadOnlyList<uint>, PacketSocket.SockFilter[]>? filter, EngineLog log)
    : IFramePath
{
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;

    public string Description => ReferenceEquals(receive, transmit)
        ? $"AF_PACKET rings on {receive.Interface} ({receive.TransmitCapacity + PacketSocket.TxDataOffset}-byte frames)"
        : $"AF_PACKET receive ring on {receive.Interface}, transmit ring on {transmit.Interface}";

    public void Start(IFrameProcessor processor, Action<string> failed)
    {
        _thread = new Thread(() =>
        {
            string? error;
            if (!HostEnvironment.RaisePacketThreadPriority()) log.Warn("cannot raise the packet thread's priority (nice -10); under CPU contention the ring may overflow");
            try
            {
                error = receive.Run(processor, transmit, _stop.Token);
            }
            catch (Exception e)
            {
                // The handlers count and drop bad packets; reaching here is a bug: say so rather than die silently.
                error = $"packet thread failed: {e.GetType().Name}: {e.Message}";
                if (log.Verbose) log.Trace(e.ToString());
            }
            if (error is not null) failed(error);
        })
        {
            Name = "lbengine-ring",
            IsBackground = true,
        };
        _thread.Start();
    }

    public void SetVips(IReadOnlyList<uint> vips)
    {
        if (filter is not null) receive.SetFilter(filter(vips));
    }

    public long KernelDrops() => receive.KernelDrops();

    public void Stop()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _thread?.Join();
    }

    public void Dispose()
    {
        Stop();
        receive.Dispose();
        if (!ReferenceEquals(receive, transmit)) transmit.Dispose();
        _stop.Dispose();
    }
}
