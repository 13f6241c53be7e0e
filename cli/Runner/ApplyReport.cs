using System.Collections.Immutable;

namespace Lbdeploy.Runner;

/// <summary>What an apply did, unit by unit in the order they finished, and how long it took (apply --json).</summary>
public sealed record ApplyReport(ImmutableArray<UnitResult> Units, double Seconds, string Summary);

/// <summary>One change apply made: its kind (add, update, restart, repair, remove), the unit, the outcome, its time and pid.</summary>
public sealed record UnitResult(string Kind, string Unit, string Result, double Seconds, int? Pid);

/// <summary>What a destroy removed: the units (empty when the network they were on is gone) and whether that network was.</summary>
public sealed record DestroyReport(ImmutableArray<string> Removed, bool NetworkGone);
