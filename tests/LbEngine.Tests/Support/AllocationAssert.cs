namespace Lb.Engine.Tests.Support;

/// <summary>
/// "Allocates nothing per call", measured with the thread's allocation counter over many calls. The runtime itself may
/// allocate a few bytes once on the thread while the code runs (tiered recompilation, on-stack replacement, a static's
/// first use: seen as 32 bytes on a loaded machine), so the bound is fewer bytes in all than calls, which a single
/// allocating call on every pass would exceed many times over.
/// </summary>
public static class AllocationAssert
{
    public static void NothingPerCall(long allocatedBytes, int calls) =>
        Assert.True(allocatedBytes < calls, $"{allocatedBytes} bytes allocated over {calls} calls: something allocates per call");
}
