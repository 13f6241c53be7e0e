using System.Diagnostics;
using System.Globalization;

namespace Lbdeploy.Common;

/// <summary>
/// Wall time of each phase of a plan (`lbdeploy plan --verbose` prints them on stderr), to see where a large plan
/// spends its time without a profiler. <see cref="None"/> records nothing, so the normal path pays one branch.
/// </summary>
public sealed class PhaseClock
{
    public static readonly PhaseClock None = new(enabled: false);

    private readonly bool enabled;
    private readonly List<(string Phase, double Milliseconds)> phases = [];
    private long last = Stopwatch.GetTimestamp();

    private PhaseClock(bool enabled) => this.enabled = enabled;

    public static PhaseClock Start() => new(enabled: true);

    /// <summary>Ends the phase running since the previous mark (or the start) and names it.</summary>
    public void Mark(string phase)
    {
        if (!enabled) return;
        var now = Stopwatch.GetTimestamp();
        phases.Add((phase, Stopwatch.GetElapsedTime(last, now).TotalMilliseconds));
        last = now;
    }

    /// <summary>Adds a phase that ran beside the others (timed by its own thread), without moving the mark.</summary>
    public void Record(string phase, TimeSpan duration)
    {
        if (enabled) phases.Add((phase, duration.TotalMilliseconds));
    }

    /// <summary>One line per phase, then the time from process start (runtime start-up and JIT included) and the GC's share.</summary>
    public void WriteTo(TextWriter writer)
    {
        if (!enabled) return;
        foreach (var (phase, milliseconds) in phases)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timing: {phase,-22} {milliseconds,7:0} ms"));
        }
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timing: {"since process start",-22} {sinceStart.TotalMilliseconds,7:0} ms"));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"timing: {"GC pauses",-22} {GC.GetTotalPauseDuration().TotalMilliseconds,7:0} ms ({GC.CollectionCount(0)} collections, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2; {GC.GetTotalAllocatedBytes() >> 20} MB allocated)"));
    }
}
