using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Stats;

namespace Lb.Engine.Control;

public enum ControlCommand
{
    Stats,
    Health,
    Metrics,
    Reload,
    Drain,
    Undrain,
    Weight,
    Conns,
    Lookup,
}

/// <summary>
/// A well-formed request: a known command and its arguments: the DIP drain, undrain and weight name; the weight
/// (weight) or the row limit (conns); the flow (lookup).
/// </summary>
public sealed record ControlRequest(ControlCommand Command, string? Name = null, int? Number = null, FlowKey? Flow = null);

/// <summary>Why a request is not served, and the one-line error the client gets.</summary>
public sealed record ControlRefusal(ControlResult Reason, string Message);

/// <summary>
/// Reads one request line (the bytes before the newline) into a <see cref="ControlRequest"/>, or says why it is not
/// one. Total: any bytes give one or the other, never an exception.
/// </summary>
public static class ControlRequestParser
{
    public const string Usage = "use stats, reload, drain NAME, undrain NAME, weight NAME N, conns [LIMIT], lookup PROTO SRC:PORT DST:PORT, health or metrics";

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
            "weight" => ControlCommand.Weight,
            "conns" => ControlCommand.Conns,
            "lookup" => ControlCommand.Lookup,
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
        if (known == ControlCommand.Weight) return ParseWeight(words);
        if (known == ControlCommand.Conns) return ParseConns(words);
        if (known == ControlCommand.Lookup)
        {
            return FlowQuery.TryParse(words[1..], out var flow, out var error)
                ? (new ControlRequest(known, Flow: flow), null)
                : Refuse(ControlResult.BadArgument, $"'lookup': {error}");
        }
        return words.Length == 1
            ? (new ControlRequest(known), null)
            : Refuse(ControlResult.BadArgument, $"'{verb}' takes no argument; send '{verb}' alone");
    }

    /// <summary>`weight NAME N`: N a whole number in the engine's weight range (<see cref="EngineLimits.Weight"/>).</summary>
    private static (ControlRequest?, ControlRefusal?) ParseWeight(string[] words)
    {
        const string example = "e.g. 'weight h13 3'";
        if (words.Length != 3) return Refuse(ControlResult.BadArgument, $"'weight' takes a DIP name and a weight, not {words.Length - 1} word(s); {example}");
        var limit = EngineLimits.Weight;
        if (!TryNumber(words[2], out var weight) || !limit.Contains(weight))
            return Refuse(ControlResult.BadArgument, $"weight '{Echo(words[2])}' is not a whole number in {limit}; {example}");
        return (new ControlRequest(ControlCommand.Weight, words[1], (int)weight), null);
    }

    /// <summary>`conns` or `conns LIMIT`: at most <see cref="ConnectionDumpLimits.Max"/> rows.</summary>
    private static (ControlRequest?, ControlRefusal?) ParseConns(string[] words)
    {
        if (words.Length == 1) return (new ControlRequest(ControlCommand.Conns, Number: ConnectionDumpLimits.Default), null);
        if (words.Length > 2) return Refuse(ControlResult.BadArgument, $"'conns' takes at most a row limit, not {words.Length - 1} words; e.g. 'conns 100'");
        if (!TryNumber(words[1], out var limit) || limit is < 1 or > ConnectionDumpLimits.Max)
            return Refuse(ControlResult.BadArgument, $"conns limit '{Echo(words[1])}' is not a whole number in 1..{ConnectionDumpLimits.Max}; e.g. 'conns 100'");
        return (new ControlRequest(ControlCommand.Conns, Number: (int)limit), null);
    }

    /// <summary>ASCII digits only (no sign, no white space, no culture): a value a long holds.</summary>
    private static bool TryNumber(string word, out long value)
    {
        value = 0;
        return word.Length is > 0 and <= 9 && word.All(char.IsAsciiDigit) && long.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Control characters (a tab aside) and Unicode line breaks: nothing a one-line command holds.</summary>
    private static bool BreaksTheLine(char c) =>
        (char.IsControl(c) && c != '\t') || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static (ControlRequest?, ControlRefusal?) Refuse(ControlResult reason, string message) => (null, new ControlRefusal(reason, message));

    private static string Echo(string word) => word.Length <= EchoLength ? word : word[..EchoLength] + "...";
}
