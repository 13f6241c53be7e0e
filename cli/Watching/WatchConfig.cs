using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lbdeploy.Planning;
using Lbdeploy.Routing;
using Lbdeploy.Runner;

namespace Lbdeploy.Watching;

/// <summary>
/// What the mux watcher needs, written by apply next to the deploy state (<c>deploy/watch.json</c>): the VIP, each
/// mux's control socket and, for every switch whose VIP route leads straight to mux hosts, that route's full set of
/// next hops (the rendered switch script stays the source of truth for it; the watcher only narrows it).
/// </summary>
public sealed record WatchConfig
{
    public required string Vip { get; init; }
    public int IntervalMilliseconds { get; init; } = 500;
    public required ImmutableArray<WatchedMux> Muxes { get; init; }
    public required ImmutableArray<WatchedSwitch> Switches { get; init; }

    public static string FilePath => Path.Combine(DeployState.Directory, "watch.json");
    public static string StatusPath => Path.Combine(DeployState.Directory, "watch-status.json");

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The watch config of a plan: every switch route of kind VIP with at least one mux next hop.</summary>
    public static WatchConfig From(DeploymentPlan plan, IReadOnlyDictionary<string, string> controlSockets)
    {
        var muxes = plan.Muxes.Select(m => m.Host).ToHashSet(StringComparer.Ordinal);
        var switches = ImmutableArray.CreateBuilder<WatchedSwitch>();
        foreach (var sw in plan.Forwarding.Switches)
        {
            foreach (var route in sw.Routes.Where(r => r.Kind == RouteKind.Vip && r.NextHops.Any(h => muxes.Contains(h.Neighbor))))
            {
                switches.Add(new WatchedSwitch(sw.Switch.Name, route.Destination.ToString(),
                    [.. route.NextHops.Select(h => new WatchedNextHop(h.Neighbor, h.Ingress.Address?.Address.ToString() ?? "", h.Egress.Name, muxes.Contains(h.Neighbor)))]));
            }
        }
        return new WatchConfig
        {
            Vip = plan.Service.Vip.ToString(),
            Muxes = [.. plan.Muxes.Select(m => new WatchedMux(m.Host, controlSockets.TryGetValue(m.Host, out var s) ? s : ""))],
            Switches = switches.ToImmutable(),
        };
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
    }

    public static WatchConfig Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<WatchConfig>(File.ReadAllText(path), Json)
                ?? throw new RunnerException($"{path} is empty; re-run lbdeploy apply");
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new RunnerException($"cannot read the watch config {path} ({e.Message}); re-run lbdeploy apply");
        }
    }
}

public sealed record WatchedMux(string Host, string ControlSocket);

/// <summary>A switch's VIP route: <see cref="NextHops"/> is the full set the plan installs.</summary>
public sealed record WatchedSwitch(string Name, string Prefix, ImmutableArray<WatchedNextHop> NextHops)
{
    /// <summary>
    /// The route to install when <paramref name="up"/> are the healthy muxes: every next hop that is not a failed mux.
    /// When that leaves nothing (every mux behind this switch failed) the full route stays: with static routes
    /// upstream there is nowhere better to send the VIP, and the muxes may come back.
    /// </summary>
    public ImmutableArray<WatchedNextHop> Desired(IReadOnlySet<string> up)
    {
        var kept = NextHops.Where(h => !h.IsMux || up.Contains(h.Neighbor)).ToImmutableArray();
        return kept.IsEmpty ? NextHops : kept;
    }

    /// <summary>The `ip route replace` that installs <paramref name="hops"/> (one hop: a plain route).</summary>
    public string RouteCommand(IReadOnlyList<WatchedNextHop> hops) =>
        hops.Count == 1
            ? $"ip route replace {Prefix} via {hops[0].Via} dev {hops[0].Dev}"
            : $"ip route replace {Prefix}" + string.Concat(hops.Select(h => $" nexthop via {h.Via} dev {h.Dev}"));
}

public sealed record WatchedNextHop(string Neighbor, string Via, string Dev, bool IsMux);

/// <summary>What the watcher last saw and did, rewritten every round (<c>deploy/watch-status.json</c>); verify reads it.</summary>
public sealed record WatchStatus(int Pid, DateTimeOffset UpdatedAt, ImmutableSortedDictionary<string, bool> Muxes, ImmutableSortedDictionary<string, ImmutableArray<string>> Routes, long Failovers)
{
    public static WatchStatus? Load()
    {
        try
        {
            return File.Exists(WatchConfig.StatusPath) ? JsonSerializer.Deserialize<WatchStatus>(File.ReadAllText(WatchConfig.StatusPath), WatchConfig.Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }
}
