namespace Lb.Engine.PacketIo;

/// <summary>
/// Where the mux's frames come from and go to: VIP frames captured on one interface are fed to a processor on one
/// packet thread, and what it returns is sent on the same interface. Two implementations: <see cref="RingFramePath"/>
/// (AF_PACKET rings, the default) and <see cref="PcapFramePath"/> (libpcap).
/// </summary>
public interface IFramePath : IDisposable
{
    /// <summary>One line for the start-up log.</summary>
    string Description { get; }

    /// <summary>Starts the packet thread; <paramref name="failed"/> is called once if the interface fails.</summary>
    void Start(IFrameProcessor processor, Action<string> failed);

    /// <summary>Captures frames to or from these VIPs from now on (a reload changed them).</summary>
    void SetVips(IReadOnlyList<uint> vips);

    /// <summary>Frames the kernel dropped before the engine saw them (capture buffer full), since start.</summary>
    long KernelDrops();

    /// <summary>Stops the packet thread and waits for it; idempotent.</summary>
    void Stop();
}
