using System.CommandLine;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy weight DIP N [--json]`: the DIP's weight on every mux of the state folder's deployment at run time (no
/// spec needed); established flows stay where they are. <see cref="DipWeigher"/> does the work; `diff` reports a
/// runtime weight as drift until lb.yaml gives the same weight, or `weight DIP` with lb.yaml's weight clears it.
/// </summary>
public static class WeightCommand
{
    public static Command Create()
    {
        var dip = new Argument<string>("DIP") { Description = "The DIP's host name, as in lb.yaml's dips (h14)" };
        var weight = new Argument<string>("N") { Description = "Its weight on every mux: a whole number in 0..1000 (0: no new flows); lb.yaml's weight clears the runtime weight" };
        var json = JsonOutput.Option("Print the DIP and what each mux now says as JSON");
        var command = new Command("weight", "Set a DIP's weight at run time on every mux: new flows shift, established flows stay (diff reports it until lb.yaml agrees)")
        {
            dip, weight, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, token) =>
            RunAsync(context.Get(dip)!, context.Get(weight)!, context.Get(json), context.Output, RunnerEnvironment.Default, token), ct));
        return command;
    }

    public static async Task<int> RunAsync(string dip, string weight, bool json, TextWriter output, RunnerEnvironment environment, CancellationToken ct)
    {
        var n = DipWeigher.ParseWeight(weight);
        var results = await new DipWeigher(environment).SetAsync(dip, n, ct);
        if (json) return JsonOutput.Write(output, CommandRunner.Success, new { Dip = dip, Weight = n, Muxes = results });
        foreach (var result in results) output.WriteLine(result.Line());
        return CommandRunner.Success;
    }
}
