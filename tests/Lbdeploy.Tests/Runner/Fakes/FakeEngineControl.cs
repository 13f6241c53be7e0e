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
    private readonly Dictionary<string, HashSet<string>> drained = [];

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

    /// <summary>The DIPs every mux is configured with (name, weight), as <see cref="DipsAsync"/> reports them; empty: none.</summary>
    public IReadOnlyList<(string Name, int Weight)> Pool { get; set; } = [];

    /// <summary>The DIPs drained at run time on each socket (drain / undrain).</summary>
    public IReadOnlySet<string> Drained(string socket)
    {
        lock (gate)
        {
            return drained.TryGetValue(socket, out var set) ? set.ToHashSet(StringComparer.Ordinal) : [];
        }
    }

    public Task<IReadOnlyList<DipStats>> DipsAsync(string socket, CancellationToken cancellationToken)
    {
        if (Silent(socket) is { } silence) return Task.FromException<IReadOnlyList<DipStats>>(silence);
        var now = Drained(socket);
        return Task.FromResult<IReadOnlyList<DipStats>>([.. Pool.Select(d =>
            new DipStats(d.Name, "10.0.0.1", d.Weight, d.Weight == 0 || now.Contains(d.Name) ? "drained" : "active", 0, 0, 0, 0))]);
    }

    public Task SetDrainedAsync(string socket, string dip, bool drain, CancellationToken cancellationToken)
    {
        log.Add($"{(drain ? "drain" : "undrain")} {dip} {socket}");
        if (Silent(socket) is { } silence) return Task.FromException(silence);
        if (Pool.Count > 0 && !Pool.Any(d => d.Name == dip))
            return Task.FromException(new ControlException($"'{(drain ? "drain" : "undrain")} {dip}' failed on {socket}: no DIP named '{dip}'"));
        lock (gate)
        {
            if (!drained.TryGetValue(socket, out var set)) drained[socket] = set = new HashSet<string>(StringComparer.Ordinal);
            if (drain) set.Add(dip);
            else set.Remove(dip);
        }
        return Task.CompletedTask;
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
