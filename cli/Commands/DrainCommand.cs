using System.CommandLine;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy drain DIP [--json]`: every mux of the state folder's deployment stops giving the DIP new flows (Maglev
/// weight 0) and keeps its established ones (no spec needed, like status). <see cref="DipDrainer"/> does the work;
/// `diff` reports the drain as drift until lb.yaml gives the DIP weight 0 or `lbdeploy undrain` ends it.
/// </summary>
public static class DrainCommand
{
    public static Command Create() => Create("drain", drained: true,
        "Drain a DIP at run time on every mux: no new flows, established flows kept (diff reports it until lb.yaml has weight: 0)");

    /// <summary>The command for one verb (drain or undrain: the same argument and action).</summary>
    internal static Command Create(string name, bool drained, string description)
    {
        var dip = new Argument<string>("DIP") { Description = "The DIP's host name, as in lb.yaml's dips (h14)" };
        var json = JsonOutput.Option("Print the DIP and each mux's result as JSON");
        var command = new Command(name, description) { dip, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, token) =>
            RunAsync(context.Get(dip)!, drained, context.Output, RunnerEnvironment.Default, token, context.Json), ct));
        return command;
    }

    public static async Task<int> RunAsync(string dip, bool drained, TextWriter output, RunnerEnvironment environment, CancellationToken ct, bool json = false)
    {
        var results = await new DipDrainer(environment).SetAsync(dip, drained, ct);
        if (json) return JsonOutput.Write(output, CommandRunner.Success, new { Dip = dip, Drained = drained, Muxes = results.Select(r => new { r.Mux, r.Result }) });
        foreach (var result in results) output.WriteLine(result);
        return CommandRunner.Success;
    }
}
