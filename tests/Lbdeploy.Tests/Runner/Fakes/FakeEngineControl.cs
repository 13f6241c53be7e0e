using Lb.Core.Control;
using Lb.Core.Stats;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>Engines' control sockets: every socket answers unless made silent (then no command gets an answer); stats come from the test.</summary>
internal sealed class FakeEngineControl(EventLog log) : IEngineControl
{
    private readonly Lock gate = new();
    private readonly HashSet<string> silent = [];
    private readonly Dictionary<string, int> statsCalls = [];

    /// <summary>The stats an engine reports on its <c>n</c>-th stats call (0: before verify's traffic, 1: after).</summary>
    public Func<string, int, EngineStats>? Stats { get; set; }

    /// <summary>Sockets whose reload fails.</summary>
    public HashSet<string> FailingReloads { get; } = [];

    public void Silence(string socket, bool on = true)
    {
        lock (gate)
        {
            if (on) silent.Add(socket);
            else silent.Remove(socket);
        }
    }

    public Task HealthAsync(string socket, TimeSpan timeout, CancellationToken cancellationToken) =>
        Silent(socket) is { } silence ? Task.FromException(silence) : Task.CompletedTask;

    public Task<EngineStats> StatsAsync(string socket, CancellationToken cancellationToken)
    {
        if (Silent(socket) is { } silence) return Task.FromException<EngineStats>(silence);
        int call;
        lock (gate)
        {
            call = statsCalls.GetValueOrDefault(socket);
            statsCalls[socket] = call + 1;
        }
        return Stats is { } stats
            ? Task.FromResult(stats(socket, call))
            : Task.FromException<EngineStats>(new ControlException($"'stats' failed on {socket}: the test gave no stats"));
    }

    public Task ReloadAsync(string socket, CancellationToken cancellationToken)
    {
        log.Add($"reload {socket}");
        if (Silent(socket) is { } silence) return Task.FromException(silence);
        return FailingReloads.Contains(socket)
            ? Task.FromException(new ControlException($"'reload' failed on {socket}: config invalid"))
            : Task.CompletedTask;
    }

    private ControlException? Silent(string socket)
    {
        lock (gate)
        {
            return silent.Contains(socket)
                ? new ControlException($"no engine answers on {socket} (Connection refused); is lbengine running on that host? check its log")
                : null;
        }
    }
}
