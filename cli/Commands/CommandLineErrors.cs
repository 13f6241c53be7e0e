using System.CommandLine;
using System.CommandLine.Parsing;
using Lbdeploy.Common;

namespace Lbdeploy.Commands;

/// <summary>
/// A command line that does not parse, said in one line per problem: what is wrong, the closest valid spelling when
/// there is one, and which --help to read. Every echoed token is escaped (a command line can carry terminal codes).
/// </summary>
internal static class CommandLineErrors
{
    public static IEnumerable<string> Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = CommandPath(parse.CommandResult);
        var help = $"see {path} --help";
        var unmatched = parse.UnmatchedTokens.ToList();
        var lines = new List<string>();
        foreach (var token in unmatched)
        {
            if (token.StartsWith('-'))
            {
                var options = command.Options.Concat(parse.RootCommandResult.Command.Options.Where(o => o.Recursive))
                    .SelectMany(o => o.Aliases.Append(o.Name)).Distinct().ToList();
                var suggestion = Suggestions.Closest(token, options);
                lines.Add($"error: {path}: unknown option {TerminalText.Quote(token)}{(suggestion is null ? "" : $"; did you mean '{suggestion}'?")} ({help})");
            }
            else if (command.Subcommands.Count > 0)
            {
                var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
                var suggestion = Suggestions.Closest(token, names);
                lines.Add($"error: {path}: unknown command {TerminalText.Quote(token)}{(suggestion is null ? "" : $"; did you mean '{suggestion}'?")} (commands: {string.Join(", ", names)}; {help})");
            }
            else
            {
                lines.Add($"error: {path}: unexpected argument {TerminalText.Quote(token)} ({help})");
            }
        }
        if (lines.Count > 0) return lines;
        foreach (var parseError in parse.Errors)
        {
            var message = parseError.Message.TrimEnd('.');
            if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            {
                var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
                lines.Add($"error: {path}: which command? ({string.Join(", ", names)}; {help})");
            }
            else
            {
                lines.Add($"error: {path}: {TerminalText.Escape(message)} ({help})");
            }
        }
        return lines.Distinct();
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult commandResult) names.Add(commandResult.Command.Name);
        }
        names.Reverse();
        names[0] = "lbdeploy";
        return string.Join(' ', names);
    }
}
