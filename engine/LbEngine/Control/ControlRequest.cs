using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Lb.Engine.Control;

public enum ControlCommand
{
    Stats,
    Health,
    Metrics,
    Reload,
    Drain,
    Undrain,
}

/// <summary>A well-formed request: a known command and, for drain and undrain, the DIP it names.</summary>
public sealed record ControlRequest(ControlCommand Command, string? Name = null);

/// <summary>Why a request is not served, and the one-line error the client gets.</summary>
public sealed record ControlRefusal(ControlResult Reason, string Message);

/// <summary>
/// Reads one request line (the bytes before the newline) into a <see cref="ControlRequest"/>, or says why it is not
/// one. Total: any bytes give one or the other, never an exception.
/// </summary>
public static class ControlRequestParser
{
    public const string Usage = "use stats, reload, drain NAME, undrain NAME, health or metrics";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A longer word is cut in error messages: they echo what the client sent.</summary>
    private const int EchoLength = 40;

    public static bool TryParse(ReadOnlySpan<byte> line, [NotNullWhen(true)] out ControlRequest? request, [NotNullWhen(false)] out ControlRefusal? refusal)
    {
        (request, refusal) = Parse(line);
        return request is not null;
    }

    private static (ControlRequest?, ControlRefusal?) Parse(ReadOnlySpan<byte> line)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            return Refuse(ControlResult.InvalidUtf8, "the request is not UTF-8 text; send one line such as 'stats'");
        }
        text = text.TrimEnd('\r'); // CRLF from telnet-like clients
        if (text.Any(BreaksTheLine))
            return Refuse(ControlResult.Malformed, "the request holds control characters; send one line such as 'stats'");
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries); // any white space
        if (words.Length == 0) return Refuse(ControlResult.Malformed, $"empty request; {Usage}");

        var verb = words[0];
        ControlCommand? command = verb switch
        {
            "stats" => ControlCommand.Stats,
            "health" => ControlCommand.Health,
            "metrics" => ControlCommand.Metrics,
            "reload" => ControlCommand.Reload,
            "drain" => ControlCommand.Drain,
            "undrain" => ControlCommand.Undrain,
            _ => null,
        };
        if (command is not { } known) return Refuse(ControlResult.UnknownCommand, $"unknown command '{Echo(verb)}'; {Usage}");
        if (known is ControlCommand.Drain or ControlCommand.Undrain)
        {
            return words.Length switch
            {
                1 => Refuse(ControlResult.BadArgument, $"'{verb}' needs a DIP name, e.g. '{verb} h13'"),
                2 => (new ControlRequest(known, words[1]), null),
                _ => Refuse(ControlResult.BadArgument, $"'{verb}' takes one DIP name, not {words.Length - 1} words; e.g. '{verb} h13'"),
            };
        }
        return words.Length == 1
            ? (new ControlRequest(known), null)
            : Refuse(ControlResult.BadArgument, $"'{verb}' takes no argument; send '{verb}' alone");
    }

    /// <summary>Control characters (a tab aside) and Unicode line breaks: nothing a one-line command holds.</summary>
    private static bool BreaksTheLine(char c) =>
        (char.IsControl(c) && c != '\t') || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static (ControlRequest?, ControlRefusal?) Refuse(ControlResult reason, string message) => (null, new ControlRefusal(reason, message));

    private static string Echo(string word) => word.Length <= EchoLength ? word : word[..EchoLength] + "...";
}
