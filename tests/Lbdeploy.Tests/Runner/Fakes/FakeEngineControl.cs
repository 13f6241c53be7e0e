using Lb.Core.Control;
using Lb.Core.Flows;
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
    private readonly Dictionary<string, Dictionary<string, int>> weights = [];

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

    /// <summary>The runtime weights on each socket (weight NAME N; the pool's weight clears one).</summary>
    public IReadOnlyDictionary<string, int> Weights(string socket)
    {
        lock (gate)
        {
            return weights.TryGetValue(socket, out var map) ? new Dictionary<string, int>(map, StringComparer.Ordinal) : [];
        }
    }

    public Task<IReadOnlyList<DipStats>> DipsAsync(string socket, CancellationToken cancellationToken)
    {
        if (Silent(socket) is { } silence) return Task.FromException<IReadOnlyList<DipStats>>(silence);
        var now = Drained(socket);
        var runtime = Weights(socket);
        return Task.FromResult<IReadOnlyList<DipStats>>([.. Pool.Select(d =>
        {
            var weight = runtime.GetValueOrDefault(d.Name, d.Weight);
            return new DipStats(d.Name, "10.0.0.1", weight, weight == 0 || now.Contains(d.Name) ? "drained" : "active", 0, 0, 0, 0,
                ConfigWeight: d.Weight, WeightOverride: runtime.ContainsKey(d.Name));
        })]);
    }

    public Task<WeightReply> SetWeightAsync(string socket, string dip, int weight, CancellationToken cancellationToken)
    {
        log.Add($"weight {dip} {weight} {socket}");
        if (Silent(socket) is { } silence) return Task.FromException<WeightReply>(silence);
        if (!Pool.Any(d => d.Name == dip))
            return Task.FromException<WeightReply>(new ControlException($"'weight {dip} {weight}' failed on {socket}: no DIP named '{dip}'"));
        var configured = Pool.First(d => d.Name == dip).Weight;
        lock (gate)
        {
            if (!weights.TryGetValue(socket, out var map)) weights[socket] = map = new Dictionary<string, int>(StringComparer.Ordinal);
            if (weight == configured) map.Remove(dip);
            else map[dip] = weight;
        }
        return Task.FromResult(new WeightReply
        {
            Host = socket, Dip = dip, Weight = weight, ConfigWeight = configured, WeightOverride = weight != configured,
            State = weight == 0 || Drained(socket).Contains(dip) ? "drained" : "active",
        });
    }

    /// <summary>What `conns` answers, by socket (absent: an empty table).</summary>
    public Dictionary<string, IReadOnlyList<ConnectionRow>> Tables { get; } = [];

    public Task<ConnectionsReply> ConnectionsAsync(string socket, int limit, CancellationToken cancellationToken)
    {
        log.Add($"conns {limit} {socket}");
        if (Silent(socket) is { } silence) return Task.FromException<ConnectionsReply>(silence);
        var rows = Tables.GetValueOrDefault(socket) ?? [];
        return Task.FromResult(new ConnectionsReply { Host = socket, Limit = limit, Live = rows.Count, Truncated = rows.Count > limit, Connections = [.. rows.Take(limit)] });
    }

    /// <summary>The second-chance alternates `lookup` answers on a socket (none when absent).</summary>
    public Dictionary<string, IReadOnlyList<FlowAlternate>> Alternates { get; } = new(StringComparer.Ordinal);

    /// <summary>What `lookup` answers: a flow in <see cref="Tables"/> from the connection table, else Maglev's pick <c>h13</c>.</summary>
    public Task<FlowLookupReply> LookupAsync(string socket, FlowKey flow, CancellationToken cancellationToken)
    {
        log.Add($"lookup {FlowQuery.Format(flow)} {socket}");
        if (Silent(socket) is { } silence) return Task.FromException<FlowLookupReply>(silence);
        var client = $"{flow.SourceAddress}:{flow.SourcePort}";
        var row = (Tables.GetValueOrDefault(socket) ?? []).FirstOrDefault(r => r.Client == client);
        var alternates = Alternates.GetValueOrDefault(socket) ?? [];
        return Task.FromResult(row is null
            ? new FlowLookupReply { Host = socket, Flow = FlowQuery.Format(flow), Source = FlowLookupReply.FromMaglev, Dip = "h13", DipAddress = "10.19.13.2", Alternates = alternates }
            : new FlowLookupReply { Host = socket, Flow = FlowQuery.Format(flow), Source = FlowLookupReply.FromConnectionTable, Dip = row.Dip, DipAddress = row.DipAddress, AgeMs = row.AgeMs, IdleMs = row.IdleMs, Alternates = alternates });
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
