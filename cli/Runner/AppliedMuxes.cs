using Lb.Core.Control;
using Lbdeploy.Common;
using Lbdeploy.Topology;

namespace Lbdeploy.Runner;

/// <summary>
/// The muxes apply recorded in the state folder, for the runtime verbs (drain, undrain, weight, conns; no spec
/// needed): the checks they share, each a one-line refusal before anything is sent, and the one way a change goes to
/// every mux. All muxes must agree on a change (each builds its own Maglev table, and a flow may reach any of them),
/// so a change refuses when a mux is not running, and names the muxes that did not take it when one fails on the way.
/// </summary>
public sealed class AppliedMuxes
{
    private AppliedMuxes(DeployState state, IReadOnlyList<AppliedUnit> muxes)
    {
        State = state;
        Muxes = muxes;
    }

    public DeployState State { get; }
    /// <summary>In natural host order.</summary>
    public IReadOnlyList<AppliedUnit> Muxes { get; }

    /// <summary>The applied deployment's muxes; refuses when nothing is applied or the plan has no mux.</summary>
    public static AppliedMuxes Load(RunnerEnvironment environment, string verb)
    {
        var state = environment.State.Load()
            ?? throw new RunnerException($"{verb}: nothing is applied (no {environment.Paths.StateFile}); deploy with lbdeploy up or lbdeploy apply");
        var muxes = state.Units.Where(u => u.Kind == UnitKind.Mux).OrderBy(u => u.Host, NaturalOrder.Instance).ToList();
        if (muxes.Count == 0) throw new RunnerException($"{verb}: the applied plan ({state.SpecPath}) has no mux");
        return new AppliedMuxes(state, muxes);
    }

    /// <summary>Refuses a name that is not a host name or not a DIP of the applied plan (listing its DIPs).</summary>
    public static void CheckDipName(string verb, string dip)
    {
        if (Names.NodeProblem(dip) is { } problem) throw new RunnerException($"{verb}: DIP name {TerminalText.Quote(dip)} is not valid: {problem} ({Names.NodeRule})");
    }

    public void RequireDip(string verb, string dip)
    {
        CheckDipName(verb, dip);
        var dips = DipsOf(State);
        if (!dips.Contains(dip, StringComparer.Ordinal))
            throw new RunnerException($"{verb}: {TerminalText.Quote(dip)} is not a DIP of the applied plan ({State.SpecPath}); its DIPs: {(dips.Count == 0 ? "none" : string.Join(", ", dips))}");
    }

    /// <summary>The DIPs of the applied plan (the hosts apply put the VIP on), in natural order.</summary>
    public static IReadOnlyList<string> DipsOf(DeployState state) =>
        [.. state.Units.Where(u => u.Kind == UnitKind.Vip).Select(u => u.Host).Distinct(StringComparer.Ordinal).OrderBy(h => h, NaturalOrder.Instance)];

    /// <summary>Refuses, naming it, when one of <paramref name="muxes"/> is not running; <paramref name="action"/> is the command line's words (`drain h14`).</summary>
    public void RequireRunning(RunnerEnvironment environment, IEnumerable<AppliedUnit> muxes, string action, string verb)
    {
        foreach (var mux in muxes)
        {
            if (mux.ControlSocket is null || !mux.IsProcessAlive(environment.Processes))
                throw new RunnerException($"{action}: mux {mux.Host} is not running (pid {mux.Pid}); nothing was sent; run lbdeploy apply to restart it, then {verb} again");
        }
    }

    /// <summary>
    /// Sends a change to every mux at once (after <see cref="RequireRunning"/>: nothing is sent unless every mux can
    /// take it); the replies by mux, or one line naming the muxes that did not take it and those that did.
    /// </summary>
    public async Task<IReadOnlyList<(string Mux, T Reply)>> ChangeEveryMuxAsync<T>(RunnerEnvironment environment, string action, string verb, Func<string, Task<T>> send)
    {
        RequireRunning(environment, Muxes, action, verb);
        var results = await Task.WhenAll(Muxes.Select(async mux =>
        {
            try
            {
                return (Mux: mux.Host, Reply: await send(mux.ControlSocket!), Error: (string?)null);
            }
            catch (ControlException e)
            {
                return (Mux: mux.Host, Reply: default(T), Error: e.Message);
            }
        }));
        var failed = results.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            var done = results.Where(r => r.Error is null).Select(r => r.Mux).ToList();
            var first = failed[0];
            throw new RunnerException(
                $"{action}: mux {first.Mux} did not take it ({first.Error})"
                + (failed.Count > 1 ? $"; nor did {string.Join(", ", failed.Skip(1).Select(f => $"mux {f.Mux}"))}" : "")
                + (done.Count > 0 ? $"; {string.Join(", ", done.Select(m => $"mux {m}"))} did, so the muxes disagree: run lbdeploy {action} again once every mux answers" : "; no mux changed"));
        }
        return [.. results.Select(r => (r.Mux, r.Reply!))];
    }
}
