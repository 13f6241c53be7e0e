using Lbdeploy.Common;
using System.CommandLine;
using Lbdeploy.Topology;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy generate-fabric (--fat-tree K | --leaf-spine L,S,H) --out FILE [--json]` (hidden): writes a p4-utils app config
/// of a standard fabric (<see cref="FabricGenerators"/>), e.g. the k=16 fat tree tools/bench-plan.sh plans.
/// </summary>
public static class GenerateFabricCommand
{
    public static Command Create()
    {
        var fatTree = new Option<int?>("--fat-tree") { Description = "A k-ary fat tree (even k)", HelpName = "k" };
        var leafSpine = new Option<string?>("--leaf-spine") { Description = "Leaves, spines and hosts per leaf", HelpName = "L,S,H" };
        var output = new Option<string>("--out", "-o") { Description = "The app config to write", Required = true, HelpName = "file" };
        var json = JsonOutput.Option("Print the file written and its counts as JSON");
        var command = new Command("generate-fabric", "Write the p4-utils app config of a generated fat tree or leaf-spine fabric")
        {
            Hidden = true,
        };
        command.Options.Add(fatTree);
        command.Options.Add(leafSpine);
        command.Options.Add(output);
        command.Options.Add(json);
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(parseResult, (context, _) =>
        {
            var config = (context.Get(fatTree), context.Get(leafSpine)) switch
            {
                ({ } k, null) when FabricGenerators.FatTreeProblem(k) is { } problem => throw new LbdeployException($"--fat-tree {k}: {problem}"),
                ({ } k, null) => FabricGenerators.FatTree(k),
                (null, { } shape) when ParseShape(shape) is var (leaves, spines, hosts) => FabricGenerators.LeafSpineProblem(leaves, spines, hosts) is { } problem
                    ? throw new LbdeployException($"--leaf-spine {TerminalText.Quote(shape)}: {problem}")
                    : FabricGenerators.LeafSpine(leaves, spines, hosts),
                (null, { } shape) => throw new LbdeployException($"--leaf-spine {TerminalText.Quote(shape)}: expected LEAVES,SPINES,HOSTS_PER_LEAF, e.g. 4,2,3"),
                _ => throw new LbdeployException("give exactly one of --fat-tree K or --leaf-spine L,S,H"),
            };
            var path = WritableFolders.CheckFile(context.Get(output)!, "--out");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AppConfigJson.WriteFile(config, path);
            if (context.Json)
            {
                return Task.FromResult(JsonOutput.Write(context.Output, CommandRunner.Success,
                    new { File = path, Hosts = config.Hosts.Length, Switches = config.Switches.Length, Links = config.Links.Length }));
            }
            context.Output.WriteLine($"wrote {path}: {config.Hosts.Length} hosts, {config.Switches.Length} switches, {config.Links.Length} links");
            return Task.FromResult(CommandRunner.Success);
        }, cancellationToken));
        return command;
    }

    private static (int, int, int)? ParseShape(string text)
    {
        var parts = text.Split(',');
        return parts.Length == 3 && parts.All(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            ? (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }
}
