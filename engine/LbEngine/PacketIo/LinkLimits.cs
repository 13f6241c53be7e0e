namespace Lb.Engine.PacketIo;

/// <summary>
/// How the packet path rides out its link going down (<see cref="LinkMonitor"/>). A link flap is routine (the fabric
/// withdraws the mux while its link is down), so the engine waits for the link instead of exiting.
/// </summary>
public sealed record LinkLimits
{
    public static readonly LinkLimits Default = new();

    /// <summary>How often a down link is probed (SIOCGIFFLAGS), and at most how often an idle one is: traffic resumes
    /// within this of the link coming back, and waiting costs a few system calls a second.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a removed interface (its index gone) may stay away before the engine gives up and exits;
    /// one re-created under the same name within it (a replaced veth) is picked up again.</summary>
    public TimeSpan RemovedTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Socket errors on a link that is up closer together than this are one event: logged once, and the
    /// path pauses <see cref="ProbeInterval"/> before each retry rather than spin on a persistent error.</summary>
    public TimeSpan ErrorBurst { get; init; } = TimeSpan.FromSeconds(1);
}
