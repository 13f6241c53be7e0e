namespace Lb.Engine.Health;

/// <summary>
/// Debounces a stream of pass/fail results: healthy turns false after <c>fall</c> failures in a row and true again
/// after <c>rise</c> successes in a row (HAProxy's rise/fall). Starts healthy, like the mux's view of a DIP.
/// </summary>
public sealed class RiseFall(int rise, int fall, bool healthy = true)
{
    private int _streak;

    public bool Healthy { get; private set; } = healthy;

    /// <summary>Records one result; true when it changed <see cref="Healthy"/>.</summary>
    public bool Observe(bool passed)
    {
        if (passed == Healthy)
        {
            _streak = 0;
            return false;
        }
        if (++_streak < (passed ? rise : fall)) return false;
        Healthy = passed;
        _streak = 0;
        return true;
    }
}
