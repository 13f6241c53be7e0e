using Lbdeploy.Common;
using System.Collections.Immutable;
using System.Globalization;
using Lbdeploy.Runner;

namespace Lbdeploy.Watching;

/// <summary>
/// One table entry as simple_switch_CLI's table_dump_entry_from_key prints it (bmv2's runtime_CLI.py):
/// <code>
/// Dumping entry 0x5
/// Match key:
/// * hdr.ipv4.dstAddr    : LPM       14000001/32
/// Action entry: MyIngress.ecmp_group - 01, 04
/// </code>
/// <see cref="Action"/> is the action's own name (the control's prefix dropped), <see cref="Data"/> its parameters
/// as the hex the CLI prints.
/// </summary>
public sealed record Bmv2EntryDump(long Handle, string Action, ImmutableArray<string> Data)
{
    private const string EntryMarker = "Dumping entry 0x";
    private const string ActionMarker = "Action entry: ";

    /// <summary>The first action parameter as a number (ecmp_group's group id).</summary>
    public long FirstParameter => Data.IsEmpty ? -1 : long.Parse(Data[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>
    /// The answers to <paramref name="expected"/> dumps sent in one CLI run, in order: an entry, or null for a key with
    /// no entry (<see cref="Bmv2Cli.MissingKey"/>). Any other count means the CLI said something else: a failure.
    /// </summary>
    public static IReadOnlyList<Bmv2EntryDump?> ParseAll(string output, int expected)
    {
        var answers = new List<Bmv2EntryDump?>(expected);
        long? handle = null;
        foreach (var line in output.Split('\n'))
        {
            var at = line.IndexOf(EntryMarker, StringComparison.Ordinal);
            if (at >= 0)
            {
                if (handle is not null) break; // an entry without its action line: malformed
                var hex = line[(at + EntryMarker.Length)..].Trim();
                if (!long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var parsed)) break;
                handle = parsed;
                continue;
            }
            at = line.IndexOf(ActionMarker, StringComparison.Ordinal);
            if (at >= 0 && handle is { } h)
            {
                var text = line[(at + ActionMarker.Length)..].Trim();
                var dash = text.IndexOf(" - ", StringComparison.Ordinal);
                var name = dash < 0 ? text.TrimEnd('-', ' ') : text[..dash];
                var data = dash < 0 ? "" : text[(dash + 3)..];
                answers.Add(new Bmv2EntryDump(h, name[(name.LastIndexOf('.') + 1)..],
                    [.. data.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]));
                handle = null;
                continue;
            }
            if (line.Contains(Bmv2Cli.MissingKey, StringComparison.Ordinal)) answers.Add(null);
        }
        if (answers.Count != expected || handle is not null)
        {
            throw new RunnerException($"simple_switch_CLI answered {answers.Count} of {expected} table_dump_entry_from_key commands in a form lbdeploy does not read; check the bmv2 version (p4-utils' simple_switch_CLI)");
        }
        return answers;
    }
}
