using System.CommandLine;
using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Common;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy plan [-f lb.yaml] [--out DIR] [--json]`: validates the spec, computes and checks the routes, writes every
/// generated file to DIR (default .lbdeploy/plan next to the spec; files of an earlier plan that no longer exist are
/// removed) and prints the summary (or plan.json with --json). Changes nothing on the network.
/// </summary>
public static class PlanCommand
{
    public static Command Create()
    {
        var file = GlobalOptions.SpecFile();
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Where to write the plan (default: .lbdeploy/plan next to the spec)",
            HelpName = "dir",
        };
        var json = JsonOutput.Option("Print plan.json (with ok, exit_code and where the files went) instead of the summary");

        var command = new Command("plan", "Validate lb.yaml and render every switch rule, VIP script and engine config, without touching the network");
        command.Options.Add(file);
        command.Options.Add(output);
        command.Options.Add(json);
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(parseResult, async (context, token) =>
        {
            var specPath = context.Get(file)!;
            var clock = context.Verbose ? PhaseClock.Start() : PhaseClock.None;
            // The folder is checked before any work: a plan that cannot be written is not worth computing.
            var directory = PlanWriter.CheckDirectory(context.Get(output) is { } explicitDirectory ? explicitDirectory : DefaultDirectory(specPath),
                context.Get(output) is null ? "the plan folder" : "--out");
            var plan = context.Plan(specPath, clock);
            PlanWriter.Write(plan, directory);
            clock.Mark("write files");
            // Beside the plan, not in it: the plan stays what the spec gives; this is what `apply DIR` checks the network against.
            var network = await PlannedNetwork.ObserveAsync(plan, token);
            PlanWriter.WriteFile(directory, PlannedNetwork.FileName, network.ToJson());
            clock.Mark("read the network");
            clock.WriteTo(context.Error);
            if (context.Json)
            {
                var document = System.Text.Json.Nodes.JsonNode.Parse(plan.Files[PlanFiles.Json])!.AsObject();
                document["directory"] = directory;
                document["network"] = System.Text.Json.Nodes.JsonNode.Parse(network.ToJson());
                return JsonOutput.Write(context.Output, CommandRunner.Success, document);
            }
            context.Output.Write(plan.Files[PlanFiles.Summary]);
            context.Output.WriteLine($"\nwrote {plan.Files.Count} files to {Path.GetRelativePath(Environment.CurrentDirectory, directory)}");
            context.Output.WriteLine(
                network.Seen is false ? $"network: {network.Network}"
                : network.Changes.Count == 0 ? $"network: {network.Network}; apply would change nothing there"
                : $"network: {network.Network}; apply would make {network.Changes.Count} change(s) there (it lists them first)");
            return CommandRunner.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>.lbdeploy/plan beside the spec: where apply and destroy look for the plan too.</summary>
    public static string DefaultDirectory(string specPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(specPath))!, ".lbdeploy", "plan");
}
