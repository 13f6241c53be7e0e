using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lb.Core.Addressing;
using Lbdeploy.Common;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>
/// What the mux watcher needs, planned like every other file (<c>watcher/watch.json</c>): the VIP, each mux's control
/// socket and what it does about a mux's health. Linux target: for every switch whose VIP route leads straight to mux
/// hosts, that route's full set of next hops (the rendered switch script stays the source of truth for it; the
/// watcher only narrows it). bmv2 target: <see cref="Bmv2"/>. The frr target has none: each mux host's gate
/// (`lbengine gate`, started with its FRR) withdraws its announcement, and BGP does the rest.
/// </summary>
public sealed record WatchConfig
{
    public required string Vip { get; init; }
    public int IntervalMilliseconds { get; init; } = 500;
    public required ImmutableArray<WatchedMux> Muxes { get; init; }
    public required ImmutableArray<WatchedSwitch> Switches { get; init; }

    /// <summary>The bmv2 target: the VIP entries to rewrite over thrift for each set of live muxes (null elsewhere).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Bmv2Failover? Bmv2 { get; init; }

    /// <summary>The bmv2 target's watch config: the switches whose VIP entry changes when muxes fail.</summary>
    public static WatchConfig Thrift(Ipv4Address vip, IReadOnlyList<string> muxHosts, Bmv2Failover failover) => new()
    {
        Vip = vip.ToString(),
        Muxes = [.. muxHosts.Select(m => new WatchedMux(m, PlanFiles.ControlSocket(m, "mux")))],
        Switches = [],
        Bmv2 = failover,
    };

    /// <summary>The names of the switches the watcher changes (linux and bmv2), for its log lines.</summary>
    [JsonIgnore]
    public string Acts =>
        Bmv2 is { } bmv2 ? $"VIP entries on {string.Join(", ", bmv2.Switches.Select(s => s.Name))} over thrift"
        : $"VIP routes on {string.Join(", ", Switches.Select(s => s.Name).Distinct())}";

    /// <summary>The watch config of a deployment: every switch route of kind VIP with at least one mux next hop.</summary>
    public static WatchConfig Of(Ipv4Address vip, IReadOnlyList<string> muxHosts, ForwardingPlan forwarding)
    {
        var muxes = muxHosts.ToHashSet(StringComparer.Ordinal);
        var switches = ImmutableArray.CreateBuilder<WatchedSwitch>();
        foreach (var sw in forwarding.Switches)
        {
            foreach (var route in sw.Routes.Where(r => r.Kind == RouteKind.Vip && r.NextHops.Any(h => muxes.Contains(h.Neighbor))))
            {
                switches.Add(new WatchedSwitch(sw.Switch.Name, route.Destination.ToString(),
                    [.. route.NextHops.Select(h => new WatchedNextHop(h.Neighbor, h.Ingress.Address?.Address.ToString() ?? "", h.Egress.Name, muxes.Contains(h.Neighbor)))]));
            }
        }
        return new WatchConfig
        {
            Vip = vip.ToString(),
            Muxes = [.. muxHosts.Select(m => new WatchedMux(m, PlanFiles.ControlSocket(m, "mux")))],
            Switches = switches.ToImmutable(),
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, WatchJsonContext.Default.WatchConfig) + "\n";

    public static WatchConfig Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), WatchJsonContext.Default.WatchConfig)
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

    /// <summary>The `ip route replace` that installs <paramref name="hops"/> (one hop: a plain route), every value quoted.</summary>
    public string RouteCommand(IReadOnlyList<WatchedNextHop> hops) =>
        hops.Count == 1
            ? $"ip route replace {ShellQuoting.Quote(Prefix)} via {ShellQuoting.Quote(hops[0].Via)} dev {ShellQuoting.Quote(hops[0].Dev)}"
            : $"ip route replace {ShellQuoting.Quote(Prefix)}" + string.Concat(hops.Select(h => $" nexthop via {ShellQuoting.Quote(h.Via)} dev {ShellQuoting.Quote(h.Dev)}"));
}

public sealed record WatchedNextHop(string Neighbor, string Via, string Dev, bool IsMux);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(WatchConfig))]
public sealed partial class WatchJsonContext : JsonSerializerContext;
