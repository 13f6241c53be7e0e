using Lb.Core.Control;
using Lbdeploy.Common;
using Lbdeploy.Topology;

namespace Lbdeploy.Runner;

/// <summary>
/// `lbdeploy drain DIP` / `undrain DIP` on the deployment of the state folder (no spec needed): sends the verb to
/// every mux apply recorded, through their control sockets. All muxes must agree (each builds its own Maglev table,
/// and a flow may reach any of them), so it refuses before sending anything when a mux is not running, and names the
/// muxes that did not take the verb when one fails on the way. A runtime drain is not written to lb.yaml: `diff`
/// reports it as drift (<see cref="DriftDetector"/>) until lb.yaml says `weight: 0` or the DIP is undrained.
/// </summary>
public sealed class DipDrainer(RunnerEnvironment environment)
{
    /// <summary>Sends drain (<paramref name="drained"/>) or undrain for <paramref name="dip"/>; returns one result per mux.</summary>
    public async Task<IReadOnlyList<MuxDrainResult>> SetAsync(string dip, bool drained, CancellationToken ct)
    {
        var verb = drained ? "drain" : "undrain";
        if (Names.NodeProblem(dip) is { } problem) throw new RunnerException($"{verb}: DIP name {TerminalText.Quote(dip)} is not valid: {problem} ({Names.NodeRule})");
        var state = environment.State.Load()
            ?? throw new RunnerException($"{verb}: nothing is applied (no {environment.Paths.StateFile}); deploy with lbdeploy up or lbdeploy apply");
        var dips = DipsOf(state);
        if (!dips.Contains(dip, StringComparer.Ordinal))
        {
            throw new RunnerException($"{verb}: {TerminalText.Quote(dip)} is not a DIP of the applied plan ({state.SpecPath}); its DIPs: {(dips.Count == 0 ? "none" : string.Join(", ", dips))}");
        }
        var muxes = state.Units.Where(u => u.Kind == UnitKind.Mux).OrderBy(u => u.Host, NaturalOrder.Instance).ToList();
        if (muxes.Count == 0) throw new RunnerException($"{verb}: the applied plan ({state.SpecPath}) has no mux");
        // Nothing is sent unless every mux can take it: a DIP drained on one mux only splits the muxes' Maglev tables.
        foreach (var mux in muxes)
        {
            if (mux.ControlSocket is null || !mux.IsProcessAlive(environment.Processes))
            {
                throw new RunnerException($"{verb} {dip}: mux {mux.Host} is not running (pid {mux.Pid}); nothing was sent; run lbdeploy apply to restart it, then {verb} again");
            }
        }
        var results = await Task.WhenAll(muxes.Select(async mux =>
        {
            try
            {
                await environment.Engines.SetDrainedAsync(mux.ControlSocket!, dip, drained, ct);
                return (Mux: mux.Host, Error: (string?)null);
            }
            catch (ControlException e)
            {
                return (Mux: mux.Host, Error: e.Message);
            }
        }));
        var failed = results.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            var done = results.Where(r => r.Error is null).Select(r => r.Mux).ToList();
            var first = failed[0];
            throw new RunnerException(
                $"{verb} {dip}: mux {first.Mux} did not take it ({first.Error})"
                + (failed.Count > 1 ? $"; nor did {string.Join(", ", failed.Skip(1).Select(f => $"mux {f.Mux}"))}" : "")
                + (done.Count > 0 ? $"; {string.Join(", ", done.Select(m => $"mux {m}"))} did, so the muxes disagree: run lbdeploy {verb} {dip} again once every mux answers" : $"; no mux changed"));
        }
        return [.. results.Select(r => new MuxDrainResult(r.Mux, dip, drained))];
    }

    /// <summary>The DIPs of the applied plan (the hosts apply put the VIP on), in natural order.</summary>
    public static IReadOnlyList<string> DipsOf(DeployState state) =>
        [.. state.Units.Where(u => u.Kind == UnitKind.Vip).Select(u => u.Host).Distinct(StringComparer.Ordinal).OrderBy(h => h, NaturalOrder.Instance)];
}

/// <summary>A mux that took a drain or undrain of a DIP; its line is what the command prints.</summary>
public sealed record MuxDrainResult(string Mux, string Dip, bool Drained)
{
    public string Result => Drained ? "drained (no new flows; established flows kept)" : "undrained (gets new flows again)";

    public override string ToString() => $"mux {Mux}: {Dip} {Result}";
}
