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
    /// <summary>What every line starts with (the JSON error document leaves it out).</summary>
    public const string Prefix = "error: ";

    public static IEnumerable<string> Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = CommandPath(parse.CommandResult);
        var help = $"see {path} --help";
        var unmatched = parse.UnmatchedTokens.ToList();
        var lines = new List<string>();
        var afterUnknownOption = false;
        foreach (var token in unmatched)
        {
            // The word after an unknown option is most likely its value, not a second mistake.
            if (afterUnknownOption && !token.StartsWith('-'))
            {
                afterUnknownOption = false;
                continue;
            }
            afterUnknownOption = false;
            if (token.StartsWith('-'))
            {
                var options = command.Options.Concat(parse.RootCommandResult.Command.Options.Where(o => o.Recursive))
                    .SelectMany(o => o.Aliases.Append(o.Name)).Distinct().ToList();
                var suggestion = Suggestions.Closest(token, options);
                lines.Add($"{Prefix}{path}: unknown option {TerminalText.Quote(token)}{(suggestion is null ? "" : $"; did you mean '{suggestion}'?")} ({help})");
                afterUnknownOption = true;
            }
            else if (command.Subcommands.Count > 0)
            {
                var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
                var suggestion = Suggestions.Closest(token, names);
                lines.Add($"{Prefix}{path}: unknown command {TerminalText.Quote(token)}{(suggestion is null ? "" : $"; did you mean '{suggestion}'?")} (commands: {string.Join(", ", names)}; {help})");
                break; // what follows belonged to the command that was meant
            }
            else
            {
                lines.Add($"{Prefix}{path}: unexpected argument {TerminalText.Quote(token)} ({help})");
            }
        }
        if (lines.Count > 0) return lines;
        foreach (var parseError in parse.Errors)
        {
            // System.CommandLine lays some messages out over several lines ("Must be one of:\n\t'tcp'..."): one line here.
            var message = string.Join(' ', parseError.Message.Split(['\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
            if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            {
                var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
                lines.Add($"{Prefix}{path}: which command? ({string.Join(", ", names)}; {help})");
            }
            else
            {
                lines.Add($"{Prefix}{path}: {TerminalText.Escape(message, 200)} ({help})");
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
