using System.Globalization;
using System.Text;

namespace Lbdeploy.Common;

/// <summary>
/// Echoes input back to a terminal safely: control characters, bidirectional overrides and other invisible format
/// characters are written as escapes (<c>\n</c>, <c>\x1b</c>, <c>\u202e</c>), and a long value is cut to its start
/// and its length, so a hostile name or a multi-megabyte value cannot repaint the screen or flood it.
/// </summary>
public static class TerminalText
{
    /// <summary>How many characters of a value a message shows.</summary>
    public const int ShownLength = 60;

    /// <summary>The value in single quotes, escaped and cut: <c>'h1\nrm'</c>, <c>'aaaa… (3000000 characters)'</c>.</summary>
    public static string Quote(string value) => "'" + Escape(value) + "'";

    /// <summary>The value escaped and cut (to <paramref name="maxLength"/> characters, default <see cref="ShownLength"/>), without quotes.</summary>
    public static string Escape(string value, int maxLength = ShownLength)
    {
        var shown = value.Length > maxLength ? value[..maxLength] : value;
        var builder = new StringBuilder(shown.Length + 8);
        foreach (var rune in shown.EnumerateRunes())
        {
            if (IsUnsafe(rune))
            {
                builder.Append(rune.Value switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    < 0x100 => string.Create(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}"),
                    < 0x10000 => string.Create(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}"),
                    _ => string.Create(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}"),
                });
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }
        if (value.Length > maxLength) builder.Append(string.Create(CultureInfo.InvariantCulture, $"… ({value.Length} characters)"));
        return builder.ToString();
    }

    /// <summary>True when the value holds a character that must not reach a terminal or a script line raw.</summary>
    public static bool HasControl(string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsUnsafe(rune)) return true;
        }
        return false;
    }

    /// <summary>The first such character, for messages ("a control character \x1b at column 4").</summary>
    public static int IndexOfControl(string value)
    {
        var index = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsUnsafe(rune)) return index;
            index += rune.Utf16SequenceLength;
        }
        return -1;
    }

    private static bool IsUnsafe(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
}
