namespace Lb.Engine.Gate;

/// <summary>What one look at the mux found.</summary>
public enum MuxAnswer
{
    /// <summary>It answered <c>health</c> with ok.</summary>
    Healthy,

    /// <summary>It answered, and says it is not healthy (its link is down, it is not capturing).</summary>
    Unhealthy,

    /// <summary>No engine listens on its control socket: it is dead or stopped.</summary>
    Gone,

    /// <summary>It did not answer in time (hung, or the machine is starved).</summary>
    Silent,
}

/// <param name="Problem">Why it is not <see cref="MuxAnswer.Healthy"/>, for the log; null when it is.</param>
public readonly record struct MuxProbeResult(MuxAnswer Answer, string? Problem)
{
    public static readonly MuxProbeResult Healthy = new(MuxAnswer.Healthy, null);
}

/// <summary>Asks the mux engine whether it is healthy (its control socket in lbengine; a fake in tests).</summary>
public interface IMuxProbe
{
    Task<MuxProbeResult> ProbeAsync(CancellationToken cancellationToken);
}

/// <summary>Turns the host's announcement of the VIP on or off (a kernel route in lbengine; a fake in tests).</summary>
public interface IAnnouncementSwitch
{
    /// <summary>What it announces, for the log.</summary>
    string Prefix { get; }

    /// <summary>Sets the announcement; throws <see cref="GateException"/> when the host refused the change.</summary>
    Task SetAsync(bool announce, CancellationToken cancellationToken);
}

public sealed class GateException(string message) : Exception(message);
