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
        foreach (var (fragment, message) in Known)
        {
            if (reason.Contains(fragment, StringComparison.OrdinalIgnoreCase)) return "not valid YAML: " + message;
        }
        return $"not valid YAML: {TerminalText.Escape(reason, 200)}";
    }

    // YamlDotNet's wording (fragments of it) -> what to do about it.
    private static readonly (string Fragment, string Message)[] Known =
    [
        ("did not find expected key", "expected a key here; check the indentation (the keys of one mapping start in the same column)"),
        ("Mapping values are not allowed in this context", "a ':' where no key can start; indent this line under its parent key, or quote a value that contains ': '"),
        ("found invalid mapping", "a ': ' inside a plain value starts a mapping here; quote the value ('...'), or put the key on its own line"),
        ("multi-line double-quoted scalar, found wrong indentation", "this quoted value runs onto a line that is not indented (is its closing quote missing?); close it on the same line"),
        ("found unexpected end of stream", "this quoted value is never closed; add the closing quote"),
        ("found unknown escape character", "an unknown escape after a backslash in a \"double-quoted\" value; use 'single quotes' or write \\\\ for a backslash"),
        ("found unexpected document indicator", "a line starting with --- or ... inside a quoted value ends the document; indent that line or close the quote first"),
        ("did not find expected ',' or ']'", "expected ',' or ']' in this [list]; separate items with commas and close the list with ]"),
        ("did not find expected ',' or '}'", "expected ',' or '}' in this {mapping}; separate entries with commas and close it with }"),
        ("did not find expected node content", "expected a value here (an item between two commas, or after a ':')"),
        ("did not find expected <document start>", "a %directive needs a document after it (---); remove the directive"),
        ("did not find preceding <document end>", "a second %YAML directive; keep one, at the top"),
        ("did not find expected '-' indicator", "expected another '- item' here: a list written with '-' continues with '-' items in the same column"),
        ("found invalid comment after", "a comment needs a space before its '#'"),
        ("comment without whtespace", "a comment needs a space before its '#'"),
        ("did not find expected comment or line break", "the text of a > or | block starts on the next line, indented"),
        ("Invalid key indicator format", "a lone '-' or '?' is not a value here; quote it"),
        ("While scanning a tag", "not a valid tag (!...); remove the tag"),
        ("Unexpected comma at end of tag", "not a valid tag (!...); remove the tag"),
        ("Block sequence entries are not allowed in this context", "a '- item' cannot follow a value on the same line; start it on a line of its own"),
        ("did not find expected token", "an anchor (&name) or tag stands where no value follows; put it right before a value"),
        ("Anchor before sequence entry on same line is not allowed", "an anchor (&name) cannot stand before a '- item' on the same line; put it after the '-'"),
    ];

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
        return open.Count > 0 && Unbalanced(yaml) ? open.Peek() : null;
    }

    /// <summary>Where the last [ or { the scanner saw opened (when it stopped inside one that the text does close).</summary>
    public static SourceLocation? FirstFlowOpener(string yaml)
    {
        SourceLocation? last = null;
        var scanner = new Scanner(new StringReader(yaml));
        try
        {
            while (scanner.MoveNext())
            {
                if (scanner.Current is FlowSequenceStart or FlowMappingStart)
                    last = new SourceLocation((int)scanner.Current.Start.Line, (int)scanner.Current.Start.Column);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or YamlException)
        {
            // Stopped where the text went wrong: the last opener seen is the one it was in.
        }
        return last;
    }

    /// <summary>More [ and { than ] and } outside quotes and comments: a bracket really is left open.</summary>
    private static bool Unbalanced(string yaml)
    {
        var depth = 0;
        char? quote = null;
        var comment = false;
        for (var i = 0; i < yaml.Length; i++)
        {
            var c = yaml[i];
            if (c == '\n') { comment = false; continue; }
            if (comment) continue;
            if (quote is { } q)
            {
                if (c == q) quote = null;
                continue;
            }
            switch (c)
            {
                case '"' or '\'': quote = c; break;
                case '#' when i == 0 || char.IsWhiteSpace(yaml[i - 1]): comment = true; break;
                case '[' or '{': depth++; break;
                case ']' or '}': depth--; break;
            }
        }
        return depth > 0;
    }

    /// <summary>Where a plain key past YAML's 1024-character limit starts, when that is what stopped the parser.</summary>
    public static SourceLocation? LongKey(string yaml, YamlException e)
    {
        if (!e.Message.Contains("did not find expected key", StringComparison.Ordinal)) return null;
        var lines = yaml.Split('\n');
        var index = (int)e.Start.Line - 1;
        if (index < 0 || index >= lines.Length) return null;
        var colon = lines[index].IndexOf(": ", StringComparison.Ordinal);
        return colon > 1024 ? new SourceLocation(index + 1, 1) : null;
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
