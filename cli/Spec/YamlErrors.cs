using Lbdeploy.Common;
using YamlDotNet.Core;
using YamlDotNet.Core.Tokens;

namespace Lbdeploy.Spec;

/// <summary>
/// YamlDotNet's syntax errors, said for a person editing lb.yaml and placed where the mistake is: a tab is reported
/// on the line that has it (YamlDotNet says 1:1 when the first mapping contains it), an unclosed bracket at the bracket.
/// </summary>
internal static class YamlErrors
{
    public static SourceLocation Locate(string yaml, YamlException e)
    {
        if (IsTabProblem(e) && FirstIndentTab(yaml) is { } tab) return tab;
        return new SourceLocation((int)Math.Max(1, e.Start.Line), (int)Math.Max(1, e.Start.Column));
    }

    public static string Describe(YamlException e)
    {
        var reason = (e.InnerException?.Message ?? e.Message).TrimEnd('.');
        if (IsTabProblem(e)) return "not valid YAML: a tab in the indentation; YAML indents with spaces only, so replace the tab with spaces";
        if (reason.Contains("did not find expected key", StringComparison.Ordinal))
            return "not valid YAML: expected a key here; check the indentation (the keys of one mapping start in the same column)";
        if (reason.Contains("Mapping values are not allowed in this context", StringComparison.Ordinal))
            return "not valid YAML: a ':' where no key can start; indent this line under its parent key, or quote a value that contains ': '";
        if (reason.Contains("found unexpected end of stream", StringComparison.Ordinal) && reason.Contains("quoted scalar", StringComparison.Ordinal))
            return "not valid YAML: this quoted value is never closed; add the closing quote";
        if (reason.Contains("did not find expected ',' or ']'", StringComparison.Ordinal))
            return "not valid YAML: expected ',' or ']' in this [list]; separate items with commas and close the list with ]";
        if (reason.Contains("did not find expected ',' or '}'", StringComparison.Ordinal))
            return "not valid YAML: expected ',' or '}' in this {mapping}; separate entries with commas and close it with }";
        return $"not valid YAML: {TerminalText.Escape(reason)}";
    }

    /// <summary>The innermost [ or { still open when the text ended (YamlDotNet cannot say where it was).</summary>
    public static (SourceLocation Location, char Bracket)? UnclosedFlow(string yaml)
    {
        var open = new Stack<(SourceLocation, char)>();
        var scanner = new Scanner(new StringReader(yaml));
        try
        {
            while (scanner.MoveNext())
            {
                var token = scanner.Current!;
                var at = new SourceLocation((int)token.Start.Line, (int)token.Start.Column);
                switch (token)
                {
                    case FlowSequenceStart: open.Push((at, '[')); break;
                    case FlowMappingStart: open.Push((at, '{')); break;
                    case FlowSequenceEnd or FlowMappingEnd when open.Count > 0: open.Pop(); break;
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or YamlException)
        {
            // The failure this was called for: what is still open is the answer.
        }
        return open.Count > 0 ? open.Peek() : null;
    }

    /// <summary>An error at the very end of the text, where an unclosed bracket makes the parser give up.</summary>
    public static bool IsAtEnd(string yaml, YamlException e)
    {
        var lines = yaml.TrimEnd('\n', ' ').Split('\n').Length;
        return e.Start.Line > lines || (e.Start.Index >= yaml.TrimEnd().Length);
    }

    /// <summary>The message for a [ or { that is never closed, at the bracket.</summary>
    public static string Unclosed(char bracket) => bracket == '['
        ? "not valid YAML: this [ is never closed; close the list with ] (on the same line is clearest)"
        : "not valid YAML: this { is never closed; close the mapping with }";

    private static bool IsTabProblem(YamlException e) =>
        e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase);

    private static SourceLocation? FirstIndentTab(string yaml)
    {
        var line = 1;
        var column = 1;
        var inIndent = true;
        foreach (var c in yaml)
        {
            if (c == '\n')
            {
                line++;
                column = 1;
                inIndent = true;
                continue;
            }
            if (inIndent && c == '\t') return new SourceLocation(line, column);
            if (c != ' ') inIndent = false;
            column++;
        }
        return null;
    }
}
