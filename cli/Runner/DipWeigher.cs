using System.Globalization;
using Lb.Core.Config;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// `lbdeploy weight DIP N` on the deployment of the state folder (no spec needed): a runtime weight for the DIP on
/// every mux apply recorded (<see cref="AppliedMuxes"/>: every mux or none). Each mux rebuilds its Maglev table and
/// keeps its connection table, so established flows stay. N equal to the applied plan's weight clears the override.
/// Not written to lb.yaml: `diff` reports an override as drift (<see cref="DriftDetector"/>) until lb.yaml gives the
/// same weight, or the weight is set back.
/// </summary>
public sealed class DipWeigher(RunnerEnvironment environment)
{
    /// <summary>What one mux says after the change.</summary>
    public sealed record MuxWeight(string Mux, string Dip, int Weight, int ConfigWeight, bool WeightOverride, string State)
    {
        public string Line() => $"mux {Mux}: {Dip} weight {Weight} "
            + (WeightOverride ? $"at run time (applied plan: weight {ConfigWeight}; lbdeploy weight {Dip} {ConfigWeight} clears it)" : "(the applied plan's weight; no runtime weight)")
            + (State == "drained" ? Weight == 0 ? "; no new flows, established flows kept" : "; still drained: no new flows until lbdeploy undrain" : "");
    }

    /// <summary>The weight a command line gave: a whole number in the engine's range (<see cref="EngineLimits.Weight"/>), or a one-line refusal.</summary>
    public static int ParseWeight(string text)
    {
        var limit = EngineLimits.Weight;
        if (text.Length is > 0 and <= 9 && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && limit.Contains(value))
        {
            return (int)value;
        }
        throw new RunnerException($"weight: {TerminalText.Quote(text)} is not a weight; use a whole number in {limit}, as lb.yaml's dips[].weight (0: no new flows)");
    }

    public async Task<IReadOnlyList<MuxWeight>> SetAsync(string dip, int weight, CancellationToken ct)
    {
        AppliedMuxes.CheckDipName("weight", dip);
        var muxes = AppliedMuxes.Load(environment, "weight");
        muxes.RequireDip("weight", dip);
        var action = string.Create(CultureInfo.InvariantCulture, $"weight {dip} {weight}");
        var results = await muxes.ChangeEveryMuxAsync(environment, action, "weight", socket => environment.Engines.SetWeightAsync(socket, dip, weight, ct));
        return [.. results.Select(r => new MuxWeight(r.Mux, r.Reply.Dip, r.Reply.Weight, r.Reply.ConfigWeight, r.Reply.WeightOverride, r.Reply.State))];
    }
}
