using Lb.Engine.Hosting;

namespace Lb.Engine.PacketIo;

/// <summary>The <see cref="PacketRing"/> run on a dedicated packet thread.</summary>
public sealed class RingFramePath(PacketRing ring, EngineLog log) : IFramePath
{
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;

    public string Description => $"AF_PACKET rings on {ring.Interface} ({ring.TransmitCapacity + Interop.PacketSocket.TxDataOffset}-byte frames)";

    public void Start(IFrameProcessor processor, Action<string> failed)
    {
        _thread = new Thread(() =>
        {
            string? error;
            if (!HostEnvironment.RaisePacketThreadPriority()) log.Warn("cannot raise the packet thread's priority (nice -10); under CPU contention the ring may overflow");
            try
            {
                error = ring.Run(processor, _stop.Token);
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
            Name = "mux-ring",
            IsBackground = true,
        };
        _thread.Start();
    }

    public void SetVips(IReadOnlyList<uint> vips) => ring.SetFilter(vips);

    public long KernelDrops() => ring.Statistics().Drops;

    public void Stop()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _thread?.Join();
    }

    public void Dispose()
    {
        Stop();
        ring.Dispose();
        _stop.Dispose();
    }
}
