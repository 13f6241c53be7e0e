using BenchmarkDotNet.Attributes;
using Lb.Core.Flows;

namespace Lb.Benchmarks;

/// <summary>
/// What one clock read costs the packet path: the precise monotonic clock (what <see cref="TimeProvider.System"/>
/// reads) against the coarse one the engine's flow tables use (<see cref="CoarseTimeProvider"/>). On a VM the
/// precise clock may be a paravirtual one whose read costs far more than on bare metal.
/// </summary>
public class ClockBenchmarks
{
    private readonly TimeProvider _system = TimeProvider.System;
    private readonly TimeProvider _coarse = CoarseTimeProvider.Instance;

    [Benchmark(Baseline = true)]
    public long SystemTimestamp() => _system.GetTimestamp();

    [Benchmark]
    public long CoarseTimestamp() => _coarse.GetTimestamp();
}
