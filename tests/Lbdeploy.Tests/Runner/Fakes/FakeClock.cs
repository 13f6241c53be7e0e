using Microsoft.Extensions.Time.Testing;

namespace Lbdeploy.Tests.Runner.Fakes;

internal static class FakeClock
{
    /// <summary>
    /// Moves <paramref name="time"/> on in <paramref name="step"/>s until <paramref name="task"/> ends: a wait on a fake
    /// clock ends only when the test moves it.
    /// </summary>
    public static async Task AdvanceUntilDoneAsync(this FakeTimeProvider time, Task task, TimeSpan step)
    {
        for (var i = 0; !task.IsCompleted && i < 100_000; i++)
        {
            time.Advance(step);
            await Task.Delay(1);
        }
        await task;
    }
}
