using Lbdeploy.Runner;
using Lbdeploy.Spec;

namespace Lbdeploy.Commands;

/// <summary>
/// What `apply` found and did (its --json document, and part of `up`'s): every change with its kind, unit and detail
/// and, once applied, its result and time; the drift left alone and why; the units that needed nothing.
/// </summary>
public sealed record ApplyOutcome(
    string Spec,
    string Target,
    int Nodes,
    IReadOnlyList<ApplyOutcome.ChangeRow> Changes,
    IReadOnlyList<ApplyOutcome.LeftAloneRow> LeftAlone,
    int Unchanged,
    string Summary,
    bool Applied,
    double? Seconds)
{
    /// <summary>One change; <see cref="Result"/>, <see cref="Seconds"/> and <see cref="Pid"/> once it was applied.</summary>
    public sealed record ChangeRow(string Kind, string Unit, string Detail, string? Result, double? Seconds, int? Pid);

    /// <summary>Drift apply does not repair (routes BGP or the watcher own, a runtime drain) and why.</summary>
    public sealed record LeftAloneRow(string Unit, string Node, string What, string Why);

    public static ApplyOutcome Of(Planning.DeploymentPlan plan, int nodes, ChangeSet changes, ApplyReport? report)
    {
        var results = report?.Units.ToDictionary(u => u.Unit, StringComparer.Ordinal) ?? [];
        return new ApplyOutcome(
            plan.SpecPath,
            plan.Target.Name(),
            nodes,
            [.. changes.Changes.Select(c => results.GetValueOrDefault(c.Label) is { } done
                ? new ChangeRow(done.Kind, c.Label, c.Detail, done.Result, done.Seconds, done.Pid)
                : new ChangeRow(c.Kind.ToString().ToLowerInvariant(), c.Label, c.Detail, null, null, null))],
            [.. changes.Observed.Select(d => new LeftAloneRow(d.Unit, d.Node, d.What, d.Why))],
            changes.Unchanged,
            changes.Summary,
            report is not null,
            report?.Seconds);
    }
}
