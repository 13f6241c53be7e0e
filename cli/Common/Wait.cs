namespace Lbdeploy.Common;

/// <summary>
/// The one polling loop: checks a condition now, then every interval, until it holds or the time is up. Callers turn
/// "not in time" into their own one-line message; a condition that learns the wait is hopeless (the process it waits
/// for died) throws its own error. Time comes from a <see cref="TimeProvider"/>, so tests drive it.
/// </summary>
public static class Wait
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false once <paramref name="timeout"/> has passed without it.</summary>
    public static async Task<bool> UntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            if (await condition(cancellationToken)) return true;
            if (time.GetElapsedTime(started) >= timeout) return false;
            await Task.Delay(interval, time, cancellationToken);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{CancellationToken, Task{bool}}, TimeSpan, TimeSpan, TimeProvider, CancellationToken)"/>
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken = default) =>
        UntilAsync(_ => Task.FromResult(condition()), timeout, interval, time, cancellationToken);
}
