using System.Buffers;

namespace Lbdeploy.Common;

/// <summary>
/// The one way a value enters a generated shell line (templates call it as <c>sh</c>, code as <see cref="Quote"/>):
/// left bare when every character is inert to /bin/sh, single-quoted otherwise. A value with a control character
/// (newline, NUL...) cannot be placed on a line safely, even quoted (a newline ends a comment line), so it is refused:
/// the edge validation never lets one through, and this fails closed if a new path ever does.
/// </summary>
public static class ShellQuoting
{
    // Characters with no meaning to the shell anywhere in a word: no expansion, globbing, splitting or redirection.
    private static readonly SearchValues<char> Inert =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,+@%-");

    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && !value.AsSpan().ContainsAnyExcept(Inert)) return value;
        if (TerminalText.HasControl(value))
        {
            throw new ArgumentException($"refusing to put {TerminalText.Quote(value)} into a shell line: it holds a control character", nameof(value));
        }
        return SingleQuoted(value);
    }

    /// <summary>
    /// A whole script or program text as one argument (`python3 -c TEXT`): its newlines and tabs are kept (inside
    /// single quotes they are plain characters of the word), any other control character is refused.
    /// </summary>
    public static string QuoteScript(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (TerminalText.HasControl(script.Replace('\n', ' ').Replace('\t', ' ')))
        {
            throw new ArgumentException("refusing to put a script with a control character other than newline or tab into a shell line", nameof(script));
        }
        return SingleQuoted(script);
    }

    private static string SingleQuoted(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
