using System.Globalization;
using Lb.Core.Control;
using Lb.Core.Flows;
using Lb.Core.Stats;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// `lbdeploy conns` on the deployment of the state folder (no spec needed): the muxes' connection tables (`conns`,
/// bounded by a row limit), or where one flow goes on each mux (`lookup`). Read-only; every mux asked must be running.
/// </summary>
public sealed class ConnectionReader(RunnerEnvironment environment)
{
    /// <summary>One mux's table, as `conns` gives it.</summary>
    public sealed record MuxConnections(string Mux, long Live, int Limit, bool Truncated, IReadOnlyList<ConnectionRow> Connections);

    /// <summary>
    /// Where one mux sends the flow: from its connection table, from Maglev, or nowhere (no DIP with weight); and the
    /// second chance's alternates a non-SYN TCP segment of it carries (empty when off or the slot never moved).
    /// </summary>
    public sealed record MuxLookup(string Mux, string Flow, string Source, string? Dip, string? DipAddress, long? AgeMs, long? IdleMs,
        IReadOnlyList<FlowAlternate> Alternates);

    /// <summary>A --limit: a whole number in 1..<see cref="ConnectionDumpLimits.Max"/>, or a one-line refusal.</summary>
    public static int ParseLimit(string text)
    {
        if (text.Length is > 0 and <= 9 && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= ConnectionDumpLimits.Max)
        {
            return value;
        }
        throw new RunnerException($"conns: --limit {TerminalText.Quote(text)} is not a row count; use a whole number in 1..{ConnectionDumpLimits.Max} (default {ConnectionDumpLimits.Default})");
    }

    /// <summary>A --flow: <see cref="FlowQuery.Syntax"/>, or a one-line refusal.</summary>
    public static FlowKey ParseFlow(string text)
    {
        if (TerminalText.HasControl(text))
            throw new RunnerException($"conns: --flow {TerminalText.Quote(text)} holds a control character; write it as {FlowQuery.Syntax}");
        return FlowQuery.TryParse(text, out var flow, out var error)
            ? flow
            : throw new RunnerException($"conns: --flow {TerminalText.Quote(text)}: {TerminalText.Escape(error, 400)}");
    }

    public async Task<IReadOnlyList<MuxConnections>> DumpAsync(string? mux, int limit, CancellationToken ct)
    {
        var replies = await AskAsync(mux, $"conns --limit {limit}", socket => environment.Engines.ConnectionsAsync(socket, limit, ct));
        return [.. replies.Select(r => new MuxConnections(r.Mux, r.Reply.Live, r.Reply.Limit, r.Reply.Truncated, r.Reply.Connections))];
    }

    public async Task<IReadOnlyList<MuxLookup>> LookupAsync(string? mux, FlowKey flow, CancellationToken ct)
    {
        var replies = await AskAsync(mux, $"conns --flow '{FlowQuery.Format(flow)}'", socket => environment.Engines.LookupAsync(socket, flow, ct));
        return [.. replies.Select(r => new MuxLookup(r.Mux, r.Reply.Flow, r.Reply.Source, r.Reply.Dip, r.Reply.DipAddress, r.Reply.AgeMs, r.Reply.IdleMs, r.Reply.Alternates ?? []))];
    }

    /// <summary>
    /// `trace`'s question, which the trace goes on without: where <paramref name="mux"/> of the deployment applied from
    /// <paramref name="specPath"/> sends the flow, or null with why it could not be asked (nothing applied, another
    /// spec applied, the mux not running or silent).
    /// </summary>
    public async Task<(MuxLookup? Lookup, string? Unavailable)> TryLookupAsync(string mux, FlowKey flow, string specPath, CancellationToken ct)
    {
        DeployState? state;
        try
        {
            state = environment.State.Load();
        }
        catch (Exception e) when (e is LbdeployException or IOException or UnauthorizedAccessException)
        {
            return (null, e.Message);
        }
        if (state is null) return (null, "nothing is applied in this state folder");
        if (!string.Equals(Path.GetFullPath(state.SpecPath), Path.GetFullPath(specPath), StringComparison.Ordinal))
            return (null, $"the running deployment was applied from {TerminalText.Quote(state.SpecPath)}, not this spec");
        var unit = state.Units.FirstOrDefault(u => u.Kind == UnitKind.Mux && u.Host == mux);
        if (unit?.ControlSocket is null || !unit.IsProcessAlive(environment.Processes)) return (null, $"mux {mux} is not running");
        try
        {
            var r = await environment.Engines.LookupAsync(unit.ControlSocket, flow, ct);
            return (new MuxLookup(mux, r.Flow, r.Source, r.Dip, r.DipAddress, r.AgeMs, r.IdleMs, r.Alternates ?? []), null);
        }
        catch (ControlException e)
        {
            return (null, $"mux {mux} did not answer: {e.Message}");
        }
    }

    /// <summary>Asks the muxes (all, or the one named) at once; a mux that is not running or does not answer is a one-line error.</summary>
    private async Task<IReadOnlyList<(string Mux, T Reply)>> AskAsync<T>(string? only, string action, Func<string, Task<T>> ask)
    {
        if (only is not null && Names.NodeProblem(only) is { } problem)
            throw new RunnerException($"conns: --mux {TerminalText.Quote(only)} is not valid: {problem} ({Names.NodeRule})");
        var muxes = AppliedMuxes.Load(environment, "conns");
        var asked = only is null ? muxes.Muxes : [.. muxes.Muxes.Where(m => m.Host == only)];
        if (asked.Count == 0)
            throw new RunnerException($"conns: --mux {TerminalText.Quote(only!)} is not a mux of the applied plan ({muxes.State.SpecPath}); its muxes: {string.Join(", ", muxes.Muxes.Select(m => m.Host))}");
        muxes.RequireRunning(environment, asked, action, "conns");
        return await Task.WhenAll(asked.Select(async mux =>
        {
            try
            {
                return (mux.Host, await ask(mux.ControlSocket!));
            }
            catch (ControlException e)
            {
                throw new RunnerException($"{action}: mux {mux.Host} did not answer ({e.Message})");
            }
        }));
    }

    /// <summary>The text `conns` prints: per mux a header (saying when the list was cut) and one row per flow.</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<MuxConnections> muxes)
    {
        foreach (var mux in muxes)
        {
            yield return mux.Truncated
                ? $"mux {mux.Mux}: {mux.Live} live flows; showing the {mux.Connections.Count} most recently used (cut at --limit {mux.Limit}, at most {ConnectionDumpLimits.Max})"
                : $"mux {mux.Mux}: {mux.Live} live flow{(mux.Live == 1 ? "" : "s")}{(mux.Live == 0 ? "" : ", most recently used first")}";
            if (mux.Connections.Count == 0) continue;
            yield return $"  {"proto",-5} {"client",-21} {"vip",-21} {"dip",-8} {"dip address",-15} {"age",8} {"idle",8}";
            foreach (var c in mux.Connections)
                yield return $"  {c.Protocol,-5} {c.Client,-21} {c.Vip,-21} {c.Dip ?? "(gone)",-8} {c.DipAddress,-15} {Seconds(c.AgeMs),8} {Seconds(c.IdleMs),8}";
        }
    }

    /// <summary>The text `conns --flow` prints: one line per mux, and one more naming its second-chance alternates when it has some.</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<MuxLookup> lookups)
    {
        foreach (var l in lookups)
        {
            yield return l.Source switch
            {
                FlowLookupReply.FromConnectionTable => $"mux {l.Mux}: {l.Flow} -> {l.Dip} ({l.DipAddress}) from its connection table (age {Seconds(l.AgeMs ?? 0)}, idle {Seconds(l.IdleMs ?? 0)})",
                FlowLookupReply.FromMaglev => $"mux {l.Mux}: {l.Flow} -> {l.Dip} ({l.DipAddress}) by Maglev (not in its connection table: a new flow would go there)",
                _ => $"mux {l.Mux}: {l.Flow} -> no DIP: none has weight (dropped as no_backend)",
            };
            if (l.Alternates.Count > 0)
                yield return $"  second chance: a non-SYN segment also names {AlternatesText(l.Alternates)}; {l.Dip}'s agent passes it on when it does not hold the connection";
        }
    }

    /// <summary>`h14 (10.19.14.2, table replaced 35.0s ago), ...`, newest first; a DIP that left the pool by its address.</summary>
    public static string AlternatesText(IReadOnlyList<FlowAlternate> alternates) =>
        string.Join(", ", alternates.Select(a => $"{(a.Dip is null ? $"{a.Address} (no longer a DIP, " : $"{a.Dip} ({a.Address}, ")}table replaced {Seconds(a.ReplacedMsAgo)} ago)"));

    private static string Seconds(long ms) => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000.0:0.0}s");
}
