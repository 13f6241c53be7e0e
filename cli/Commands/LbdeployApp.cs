using System.CommandLine;
using Lbdeploy.Common;

namespace Lbdeploy.Commands;

/// <summary>
/// The `lbdeploy` command line: the root command, the global options and one subcommand per class. To add a
/// command, write <c>XCommand.Create()</c> (its options and an action run through <see cref="CommandRunner"/>) and
/// list it in <see cref="Commands"/>.
/// </summary>
public static class LbdeployApp
{
    private static IEnumerable<Command> Commands() =>
    [
        PlanCommand.Create(),
        TestbedCommand.Create(),
        ApplyCommand.Create(),
        DiffCommand.Create(),
        VerifyCommand.Create(),
        TraceCommand.Create(),
        GenerateFabricCommand.Create(),
        DestroyCommand.Create(),
        UpCommand.Create(),
        DownCommand.Create(),
        StatusCommand.Create(),
        DrainCommand.Create(),
        UndrainCommand.Create(),
        WeightCommand.Create(),
        ConnsCommand.Create(),
        WatchCommand.Create(),
        ExecCommand.Create(),
        ShellCommand.Create(),
        DebugBundleCommand.Create(),
        CompletionCommand.Create(CreateRoot),
    ];

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("lbdeploy: declarative deployment of an L4 load balancer on a mininet / P4 fabric");
        root.Options.Add(GlobalOptions.Verbose);
        root.Options.Add(GlobalOptions.Strict);
        foreach (var command in Commands())
        {
            root.Subcommands.Add(command);
        }
        CommandExamples.Install(root);
        return root;
    }

    public static Task<int> RunAsync(string[] args) => RunAsync(args, new InvocationConfiguration());

    /// <summary>Runs with explicit output writers (tests capture them).</summary>
    public static Task<int> RunAsync(string[] args, InvocationConfiguration configuration)
    {
        var root = CreateRoot();
        if (args.Length == 0) return root.Parse(["--help"]).InvokeAsync(configuration);
        var parse = root.Parse(args);
        if (parse.Errors.Count == 0 || parse.Action is { ClearsParseErrors: true }) return parse.InvokeAsync(configuration);
        // A mistyped command line gets one line per problem and where to look, not the whole help.
        var error = configuration.Error ?? Console.Error;
        var lines = CommandLineErrors.Describe(parse).Take(3).ToList();
        foreach (var line in lines) error.WriteLine(line);
        // Asked for JSON: the error document too, even when the mistake is the command or --json itself.
        if (args.Contains(JsonOutput.OptionName, StringComparer.Ordinal))
        {
            JsonOutput.WriteErrors(configuration.Output ?? Console.Out, ExitCodes.UserError,
                lines.Select(line => new JsonError(line.StartsWith(CommandLineErrors.Prefix, StringComparison.Ordinal) ? line[CommandLineErrors.Prefix.Length..] : line)));
        }
        return Task.FromResult(ExitCodes.UserError);
    }
}
