using System.Buffers;

namespace Lbdeploy.Common;

/// <summary>
/// The one naming rule for identifiers that reach a path, a script, a command line or a terminal: node (host and
/// switch) names and interface names. Conservative on purpose: what p4-utils, mininet and Linux all accept and what
/// needs no quoting anywhere. Importers check every name with it and report a located error naming the offender.
/// </summary>
public static class Names
{
    /// <summary>Longest node name (a mininet node also names files and sockets: <c>h14-agent.sock</c>).</summary>
    public const int MaxNodeLength = 32;

    /// <summary>Longest interface name: the kernel's IFNAMSIZ (16) minus its terminating NUL.</summary>
    public const int MaxInterfaceLength = 15;

    public const string NodeRule = "letters, digits, '-' and '_', starting with a letter, at most 32 characters";

    public const string InterfaceRule = "letters, digits, '-' and '_', starting with a letter or digit, at most 15 characters (the kernel's limit)";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>Null when <paramref name="name"/> is a valid node name, else why not (for "node name 'x' ...: WHY").</summary>
    public static string? NodeProblem(string name) =>
        Problem(name, MaxNodeLength, char.IsAsciiLetter(name.Length > 0 ? name[0] : '\0') ? null : "it must start with a letter");

    /// <summary>Null when <paramref name="name"/> is a valid interface name, else why not.</summary>
    public static string? InterfaceProblem(string name) =>
        Problem(name, MaxInterfaceLength, char.IsAsciiLetterOrDigit(name.Length > 0 ? name[0] : '\0') ? null : "it must start with a letter or digit");

    public static bool IsNode(string name) => NodeProblem(name) is null;

    public static bool IsInterface(string name) => InterfaceProblem(name) is null;

    private static string? Problem(string name, int maxLength, string? startProblem)
    {
        if (name.Length == 0) return "it is empty";
        var bad = name.AsSpan().IndexOfAnyExcept(Allowed);
        if (bad >= 0) return $"it holds {Describe(name, bad)}";
        if (startProblem is not null) return startProblem;
        if (name.Length > maxLength) return $"it is {name.Length} characters long (at most {maxLength})";
        return null;
    }

    private static string Describe(string name, int index)
    {
        var c = name[index];
        var what = c switch
        {
            ' ' => "a space",
            '/' => "a '/' (a path separator)",
            _ when char.IsControl(c) || TerminalText.HasControl(c.ToString()) => $"the control character {TerminalText.Escape(c.ToString())}",
            _ when c > 0x7e => $"the non-ASCII character {TerminalText.Quote(char.IsSurrogate(c) && index + 1 < name.Length ? name.Substring(index, 2) : c.ToString())}",
            _ => $"'{c}'",
        };
        return $"{what} at position {index + 1}";
    }
}
