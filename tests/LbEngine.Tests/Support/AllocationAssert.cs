namespace Lb.Engine.Tests.Support;

/// <summary>
/// "Allocates nothing per call", measured with the thread's allocation counter over many calls. The runtime itself may
/// allocate on the thread once while the code runs (tiered recompilation, on-stack replacement, a static's first use:
/// seen as 32 bytes, and once in CI as 8128 bytes, on a loaded machine), so the bound is fewer bytes in all than calls,
/// which a single allocating call on every pass would exceed many times over.
/// </summary>
public static class AllocationAssert
{
    /// <summary>Passes in which the runtime's one-time bytes may fall before the test fails: a per-call allocation shows in every one.</summary>
    public const int Passes = 3;

    public static void NothingPerCall(long allocatedBytes, int calls) =>
        Assert.True(allocatedBytes < calls, $"{allocatedBytes} bytes allocated over {calls} calls: something allocates per call");

    /// <summary>
    /// Runs <paramref name="pass"/> (which makes <paramref name="calls"/> calls on this thread) until one pass allocates
    /// fewer bytes than calls, at most <see cref="Passes"/> times: the runtime's one-time bytes land in one pass, a
    /// per-call allocation in all of them.
    /// </summary>
    public static void NothingPerCall(Action pass, int calls)
    {
        var fewest = long.MaxValue;
        for (var i = 0; i < Passes && fewest >= calls; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            pass();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        NothingPerCall(fewest, calls);
    }
}
