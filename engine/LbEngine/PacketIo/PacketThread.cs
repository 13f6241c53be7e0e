using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>The one way a frame path starts its packet thread: raised priority (said once when refused), background.</summary>
public static class PacketThread
{
    /// <summary>
    /// Starts <paramref name="supervise"/> on a thread named <paramref name="name"/>; what it returns, when not null,
    /// goes to <paramref name="failed"/>. <paramref name="overflows"/> names what overflows without the priority.
    /// </summary>
    public static Thread Start(string name, string overflows, EngineLog log, Func<string?> supervise, Action<string> failed)
    {
        var thread = new Thread(() =>
        {
            if (!HostEnvironment.RaisePacketThreadPriority()) log.Warn($"cannot raise the packet thread's priority (nice -10); under CPU contention {overflows} may overflow");
            if (supervise() is { } error) failed(error);
        })
        {
            Name = name,
            IsBackground = true,
        };
        thread.Start();
        return thread;
    }
}
