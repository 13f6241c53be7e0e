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

    /// <summary>Applied but no longer in the plan.</summary>
    Remove,
}

/// <summary>One line of what apply will do.</summary>
public sealed record Change(ChangeKind Kind, DeployUnit? Desired, AppliedUnit? Applied)
{
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
        ChangeKind.Update when Desired!.IsEngine => $"{Desired.Files[0]} changed: rewrite it and reload the engine",
        ChangeKind.Update when Desired!.Kind == UnitKind.Server => "command or docroot changed: restart",
        ChangeKind.Update when Desired!.Kind == UnitKind.Router => $"{Desired.Files[0]} changed: apply the difference to the running FRR",
        ChangeKind.Update => $"{Desired!.Files[0]} changed: undo the old one, apply the new one",
        ChangeKind.Restart when Applied!.Pid is null => $"not every daemon runs ({string.Join(", ", Applied.Daemons.Select(d => $"{d.Name} {d.Pid}"))}): start them again",
        ChangeKind.Restart => $"not running (pid {Applied!.Pid}): start it again",
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
    public bool IsEmpty => Changes.IsEmpty;

    public int Count(ChangeKind kind) => Changes.Count(c => c.Kind == kind);

    public string Summary =>
        $"{Count(ChangeKind.Add)} to add, {Count(ChangeKind.Update) + Count(ChangeKind.Restart)} to change, {Count(ChangeKind.Remove)} to remove, {Unchanged} unchanged";

    /// <param name="desired">The plan's units.</param>
    /// <param name="applied">What the last apply recorded on this same network, or null.</param>
    /// <param name="isAlive">Whether an applied unit's process still runs.</param>
    public static ChangeSet Compute(ImmutableArray<DeployUnit> desired, IReadOnlyList<AppliedUnit>? applied, Func<AppliedUnit, bool> isAlive)
    {
        var previous = (applied ?? []).ToDictionary(u => u.Key, StringComparer.Ordinal);
        var changes = ImmutableArray.CreateBuilder<Change>();
        var unchanged = 0;
        foreach (var unit in desired)
        {
            if (!previous.TryGetValue(unit.Key, out var before)) changes.Add(new Change(ChangeKind.Add, unit, null));
            else if (before.Hash != unit.Hash) changes.Add(new Change(ChangeKind.Update, unit, before));
            else if (unit.IsProcess && !isAlive(before)) changes.Add(new Change(ChangeKind.Restart, unit, before));
            else unchanged++;
        }
        var wanted = desired.Select(u => u.Key).ToHashSet(StringComparer.Ordinal);
        // Removals in reverse apply order: muxes stop attracting traffic before the servers behind them go.
        foreach (var before in (applied ?? []).Where(u => !wanted.Contains(u.Key)).OrderByDescending(u => u.Kind))
        {
            changes.Add(new Change(ChangeKind.Remove, null, before));
        }
        return new ChangeSet(changes.ToImmutable(), unchanged);
    }
}
