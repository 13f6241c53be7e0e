using System.CommandLine;
using Lbdeploy.Common;
using Lbdeploy.Rendering;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy completion bash|zsh`: prints a shell completion script for every command, subcommand and option of this
/// build (rendered from templates/completion/ over the command tree, so it never falls behind the commands).
/// </summary>
public static class CompletionCommand
{
    public static readonly string[] Shells = ["bash", "zsh"];

    public static Command Create(Func<RootCommand> root)
    {
        var shell = new Argument<string>("SHELL") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong(Shells);
        var command = new Command("completion", "Print a completion script for bash or zsh") { shell };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, _) =>
        {
            var bash = TemplateRenderer.Render("completion/bash.sbn", Model(root()));
            context.Output.Write(context.Get(shell) == "zsh" ? TemplateRenderer.Render("completion/zsh.sbn", new { Bash = bash }) : bash);
            return Task.FromResult(ExitCodes.Success);
        }, ct));
        return command;
    }

    private static CompletionModel Model(RootCommand root)
    {
        var entries = new List<CompletionEntry>();
        var fileOptions = new SortedSet<string>(StringComparer.Ordinal);
        var global = root.Options.Where(o => o.Recursive).ToList();
        void Walk(Command command, string path)
        {
            // Every option's spellings but the Windows-style help aliases (/?, /h).
            var options = command.Options.Concat(global).Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
                .Where(a => a.StartsWith('-')).Distinct().Order(StringComparer.Ordinal);
            var subcommands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).Order(StringComparer.Ordinal);
            entries.Add(new CompletionEntry(path, string.Join(' ', subcommands), string.Join(' ', options)));
            foreach (var option in command.Options.Where(o => o.HelpName is "file" or "dir" or "lb.yaml")) fileOptions.UnionWith(option.Aliases.Prepend(option.Name));
            foreach (var sub in command.Subcommands.Where(c => !c.Hidden)) Walk(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}");
        }
        Walk(root, "");
        return new CompletionModel(entries, [.. fileOptions]);
    }
}

/// <summary>templates/completion/bash.sbn: for every command path, its subcommands and options; the options that take a path.</summary>
public sealed record CompletionModel(IReadOnlyList<CompletionEntry> Entries, IReadOnlyList<string> FileOptions);

public sealed record CompletionEntry(string Path, string Subcommands, string Options);
