using Lbdeploy.Common;
using System.Globalization;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Verification;

namespace Lbdeploy.Watching;

/// <summary>
/// The simple_switch_CLI commands the mux watcher sends a bmv2 switch, built from typed values; each line is checked
/// against p4/ecmp.p4's interface (<see cref="P4Interface.CheckCommand"/>) as it is added, so a wrong table, action,
/// key or value never reaches a switch. Entries are changed by handle, as p4-utils' SimpleSwitchThriftAPI does.
/// </summary>
public sealed class Bmv2Commands
{
    public const string RouteTable = "ipv4_lpm";
    public const string GroupTable = "ecmp_group_to_nhop";
    public const string GroupAction = "ecmp_group";
    public const string NextHopAction = "set_nhop";

    private readonly List<string> lines = [];

    public IReadOnlyList<string> Lines => lines;

    /// <summary>The text for the CLI's stdin.</summary>
    public string Text => string.Concat(lines.Select(l => l + "\n"));

    public Bmv2Commands DumpRoute(string prefix) => Add($"table_dump_entry_from_key {RouteTable} {prefix}");

    public Bmv2Commands DumpMember(int group, int index) => Add(Invariant($"table_dump_entry_from_key {GroupTable} {group} {index}"));

    /// <summary>The VIP entry for <paramref name="variant"/>: set_nhop for one member, else ecmp_group over <paramref name="group"/>.</summary>
    public Bmv2Commands AddRoute(string prefix, Bmv2VipVariant variant, int group) => Add($"table_add {RouteTable} {RouteAction(variant, group, prefix + " =>")}");

    public Bmv2Commands ModifyRoute(long handle, Bmv2VipVariant variant, int group) => Add($"table_modify {RouteTable} {RouteAction(variant, group, Invariant($"{handle} =>"))}");

    public Bmv2Commands AddMember(int group, int index, Bmv2Member member) => Add(Invariant($"table_add {GroupTable} {NextHopAction} {group} {index} => {member.Mac} {member.Port}"));

    public Bmv2Commands ModifyMember(long handle, Bmv2Member member) => Add(Invariant($"table_modify {GroupTable} {NextHopAction} {handle} => {member.Mac} {member.Port}"));

    public Bmv2Commands DeleteMember(long handle) => Add(Invariant($"table_delete {GroupTable} {handle}"));

    private static string RouteAction(Bmv2VipVariant variant, int group, string keyOrHandle) =>
        variant.Members.Length == 1
            ? Invariant($"{NextHopAction} {keyOrHandle} {variant.Members[0].Mac} {variant.Members[0].Port}")
            : Invariant($"{GroupAction} {keyOrHandle} {group} {variant.Members.Length}");

    private Bmv2Commands Add(string line)
    {
        // One command per line: a line break inside a value would make a second command the check never saw.
        var problems = line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal)
            ? ["a value holds a line break"]
            : P4Interface.Ecmp.CheckCommand(line);
        if (problems.Length > 0)
        {
            throw new RunnerException($"refusing to send '{line}' to a bmv2 switch: {string.Join("; ", problems)} (p4/ecmp.p4); re-run lbdeploy plan and apply");
        }
        lines.Add(line);
        return this;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
