using System.Collections.Immutable;

namespace Lbdeploy.Runner;

public enum ChangeKind
{
    /// <summary>Not applied yet.</summary>
    Add,

    /// <summary>Applied with other content: engines rewrite their config and reload, the rest is redone.</summary>
    Update,

    /// <summary>Same content, but its process is gone: start it again.</summary>
    Restart,

    /// <summary>Same content, but its live state drifted (a route or address gone by hand): apply it again.</summary>
    Repair,

    /// <summary>Applied but no longer in the plan.</summary>
    Remove,
}

/// <summary>
/// One way the live network differs from what apply recorded, found by reading it (<see cref="DriftDetector"/>) or
/// from the process table: "switch a2: 10.13.1.0/24 missing", "agent h15: process 1234 is gone".
/// </summary>
/// <param name="Unit">The unit's label ("switch a2").</param>
/// <param name="Node">The node it was read in.</param>
/// <param name="What">The difference.</param>
public sealed record Drift(string Unit, string Node, string What)
{
    /// <summary>
    /// Whether applying the unit again mends it. False for state another part of the deployment owns at run time: a
    /// frr switch's FIB (BGP fills it) and the VIP route the mux watcher narrows to the healthy muxes.
    /// </summary>
    public bool Repairable { get; init; } = true;

    /// <summary>Why apply leaves drift it does not repair to its owner: routes BGP or the mux watcher own at run time.</summary>
    public const string RoutesNote = "apply does not repair routes that BGP or the mux watcher own while the deployment runs: a failed mux is out of them on purpose; lbdeploy verify names the cause";

    /// <summary>For drift apply does not repair: why, and what to do instead (diff prints each note once); null: <see cref="RoutesNote"/>.</summary>
    public string? Note { get; init; }

    /// <summary>Why apply leaves this drift alone (<see cref="Note"/> or <see cref="RoutesNote"/>).</summary>
    public string Why => Note ?? RoutesNote;

    public override string ToString() => $"{Unit}: {What}";
}

/// <summary>One line of what apply will do.</summary>
public sealed record Change(ChangeKind Kind, DeployUnit? Desired, AppliedUnit? Applied)
{
    /// <summary>What drifted (a <see cref="ChangeKind.Repair"/>, or a <see cref="ChangeKind.Restart"/>'s dead process); empty otherwise.</summary>
    public ImmutableArray<Drift> Drift { get; init; } = [];

    public string Label => Desired?.Label ?? Applied!.Label;

    public string Symbol => Kind switch
    {
        ChangeKind.Add => "+",
        ChangeKind.Remove => "-",
        _ => "~",
    };

    public string Detail => Kind switch
    {
        ChangeKind.Add => string.Join(", ", Desired!.Files.Take(1).Concat(Desired.Command is null ? [] : [Desired.Command])),
        ChangeKind.Update when Desired!.RestartsFrom(Applied!) => $"{Desired.Files[0]} changed in a setting read only at start: restart the engine",
        ChangeKind.Update when Desired!.IsEngine => $"{Desired.Files[0]} changed: rewrite it and reload the engine",
        ChangeKind.Update when Desired!.Kind == UnitKind.Server => "command or docroot changed: restart",
        ChangeKind.Update when Desired!.Kind == UnitKind.Router => $"{Desired.Files[0]} changed: apply the difference to the running FRR",
        ChangeKind.Update => $"{Desired!.Files[0]} changed: undo the old one, apply the new one",
        ChangeKind.Restart when Applied!.Pid is null => $"not every daemon runs ({string.Join(", ", Applied.Daemons.Select(d => $"{d.Name} {d.Pid}"))}): start them again",
        ChangeKind.Restart => $"not running (pid {Applied!.Pid}): start it again",
        ChangeKind.Repair => $"drift: {string.Join("; ", Drift.Select(d => d.What).Take(3))}{(Drift.Length > 3 ? $"; ... ({Drift.Length} in all)" : "")}: apply it again",
        _ => Applied!.Files.Count > 0 ? $"undo {Applied.Files[0]}" : "stop it",
    };

    public override string ToString() => $"  {Symbol} {Label,-12} {Detail}";
}

/// <summary>
/// The difference between the plan and what was applied: computed before anything runs so apply can show it and
/// ask. Empty when the network already matches (a second apply does nothing).
/// </summary>
public sealed record ChangeSet(ImmutableArray<Change> Changes, int Unchanged)
{
    /// <summary>
    /// Drift apply does not repair, only reports (<see cref="Drift.Repairable"/> false): a FIB the frr target's BGP
    /// fills (a missing route follows a session or an announcement, which verify's bgp rows name; restarting FRR would
    /// cut every session of the switch), a VIP route the watcher narrowed to the healthy muxes.
    /// </summary>
    public ImmutableArray<Drift> Observed { get; init; } = [];

    public bool IsEmpty => Changes.IsEmpty;

    /// <summary>Nothing to change and nothing drifted: what `diff` exits 0 for.</summary>
    public bool Clean => Changes.IsEmpty && Observed.IsEmpty;

    public int Count(ChangeKind kind) => Changes.Count(c => c.Kind == kind);

    /// <summary>Everything that drifted, unit by unit in apply order (dead processes and what <see cref="DriftDetector"/> read).</summary>
    public ImmutableArray<Drift> Drift => [.. Changes.SelectMany(c => c.Drift), .. Observed];

    public string Summary =>
        $"{Count(ChangeKind.Add)} to add, {Count(ChangeKind.Update) + Count(ChangeKind.Restart) + Count(ChangeKind.Repair)} to change, {Count(ChangeKind.Remove)} to remove, {Unchanged} unchanged";

    /// <param name="desired">The plan's units.</param>
    /// <param name="applied">What the last apply recorded on this same network, or null.</param>
    /// <param name="isAlive">Whether an applied unit's process still runs.</param>
    /// <param name="drift">What the live network showed per unit key (<see cref="DeployUnit.Key"/>); a unit with the same hash and repairable drift is repaired; the rest is <see cref="Observed"/>.</param>
    public static ChangeSet Compute(ImmutableArray<DeployUnit> desired, IReadOnlyList<AppliedUnit>? applied, Func<AppliedUnit, bool> isAlive,
        IReadOnlyDictionary<string, ImmutableArray<Drift>>? drift = null)
    {
        var previous = (applied ?? []).ToDictionary(u => u.Key, StringComparer.Ordinal);
        var changes = ImmutableArray.CreateBuilder<Change>();
        var unchanged = 0;
        var observed = ImmutableArray.CreateBuilder<Drift>();
        foreach (var unit in desired)
        {
            if (!previous.TryGetValue(unit.Key, out var before)) changes.Add(new Change(ChangeKind.Add, unit, null));
            else if (before.Hash != unit.Hash) changes.Add(new Change(ChangeKind.Update, unit, before));
            else if (unit.IsProcess && !isAlive(before)) changes.Add(new Change(ChangeKind.Restart, unit, before) { Drift = [ProcessGone(before)] });
            else if (drift is not null && drift.TryGetValue(unit.Key, out var found) && !found.IsEmpty)
            {
                observed.AddRange(found.Where(d => !d.Repairable));
                var repairable = found.Where(d => d.Repairable).ToImmutableArray();
                if (repairable.IsEmpty) unchanged++;
                else changes.Add(new Change(ChangeKind.Repair, unit, before) { Drift = repairable });
            }
            else unchanged++;
        }
        var wanted = desired.Select(u => u.Key).ToHashSet(StringComparer.Ordinal);
        // Removals in reverse apply order: muxes stop attracting traffic before the servers behind them go.
        foreach (var before in (applied ?? []).Where(u => !wanted.Contains(u.Key)).OrderByDescending(u => u.Kind))
        {
            changes.Add(new Change(ChangeKind.Remove, null, before));
        }
        return new ChangeSet(changes.ToImmutable(), unchanged) { Observed = observed.ToImmutable() };
    }

    private static Drift ProcessGone(AppliedUnit unit) => new(unit.Label, unit.Host, unit.Pid is { } pid
        ? $"process {pid} is gone"
        : $"not every daemon runs ({string.Join(", ", unit.Daemons.Select(d => $"{d.Name} {d.Pid}"))})");
}
