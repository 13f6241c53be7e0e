namespace Lbdeploy.Runner;

/// <summary>
/// `lbdeploy drain DIP` / `undrain DIP` on the deployment of the state folder (no spec needed): sends the verb to
/// every mux apply recorded, through their control sockets (<see cref="AppliedMuxes"/>: every mux or none). A runtime
/// drain is not written to lb.yaml: `diff` reports it as drift (<see cref="DriftDetector"/>) until lb.yaml says
/// `weight: 0` or the DIP is undrained.
/// </summary>
public sealed class DipDrainer(RunnerEnvironment environment)
{
    /// <summary>Sends drain (<paramref name="drained"/>) or undrain for <paramref name="dip"/>; returns one result per mux.</summary>
    public async Task<IReadOnlyList<MuxDrainResult>> SetAsync(string dip, bool drained, CancellationToken ct)
    {
        var verb = drained ? "drain" : "undrain";
        AppliedMuxes.CheckDipName(verb, dip);
        var muxes = AppliedMuxes.Load(environment, verb);
        muxes.RequireDip(verb, dip);
        var results = await muxes.ChangeEveryMuxAsync(environment, $"{verb} {dip}", verb, async socket =>
        {
            await environment.Engines.SetDrainedAsync(socket, dip, drained, ct);
            return true;
        });
        return [.. results.Select(r => new MuxDrainResult(r.Mux, dip, drained))];
    }
}

/// <summary>A mux that took a drain or undrain of a DIP; its line is what the command prints.</summary>
public sealed record MuxDrainResult(string Mux, string Dip, bool Drained)
{
    public string Result => Drained ? "drained (no new flows; established flows kept)" : "undrained (gets new flows again)";

    public override string ToString() => $"mux {Mux}: {Dip} {Result}";
}
