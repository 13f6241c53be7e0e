namespace Lb.Core.Flows;

/// <summary>
/// The system's monotonic clock at tick resolution (a few milliseconds): <see cref="Environment.TickCount64"/>, which
/// Linux serves from its coarse clock at a fraction of the cost of the precise one behind
/// <see cref="TimeProvider.System"/>. For per-packet bookkeeping in units of about a second
/// (<see cref="FlowFingerprintSet"/>), where reading the precise clock would cost more than the lookup.
/// Timers and wall-clock time are the system's.
/// </summary>
public sealed class CoarseTimeProvider : TimeProvider
{
    public static CoarseTimeProvider Instance { get; } = new();

    private CoarseTimeProvider()
    {
    }

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp() => Environment.TickCount64;
}
