namespace Lb.Engine.PacketIo;

/// <summary>
/// Where the mux's frames come from and go to: VIP frames captured on one interface are fed to a processor on a
/// packet thread, and what it returns is sent on the same interface. Implementations: <see cref="RingFramePath"/>
/// (AF_PACKET rings, the default), <see cref="FanoutFramePath"/> (several rings in one fanout group, a thread each),
/// <see cref="PcapFramePath"/> (libpcap) and the AF_XDP path.
/// </summary>
public interface IFramePath : IDisposable
{
    /// <summary>The state of the interface's link: health and stats read it; its Restored event follows a flap.</summary>
    LinkMonitor Link { get; }

    /// <summary>One line for the start-up log.</summary>
    string Description { get; }

    /// <summary>How many packet threads it runs, each feeding its own processor.</summary>
    int Threads => 1;

    /// <summary>
    /// Starts the packet threads, thread i feeding <paramref name="processors"/>[i] (one per <see cref="Threads"/>: a
    /// processor is used by one thread only); <paramref name="failed"/> is called if the path gives up: its interface
    /// was removed and did not come back (a link that goes down and up again is waited for, see <see cref="Link"/>).
    /// </summary>
    void Start(IReadOnlyList<IFrameProcessor> processors, Action<string> failed);

    /// <summary>Captures frames to or from these VIPs from now on (a reload changed them).</summary>
    void SetVips(IReadOnlyList<uint> vips);

    /// <summary>Frames the kernel dropped before the engine saw them (capture buffer full), since start.</summary>
    long KernelDrops();

    /// <summary>Stops the packet thread and waits for it; idempotent.</summary>
    void Stop();
}
