using Lbdeploy.Rendering;
using Lbdeploy.Runner;

namespace Lbdeploy.Watching;

/// <summary>
/// Puts one planned VIP entry on one bmv2 switch over thrift, in two CLI runs: the first reads the VIP entry and the
/// spare groups' member slots (table_dump_entry_from_key), the second writes. A new member set goes into the spare
/// group the entry does not point at, and the entry is pointed at it last (the switch never forwards through a
/// half-written group); the planned entry points back at the planned group, whose members apply installed. A slot
/// past the new set is deleted; a VIP entry that is missing (a switch reset) is added.
/// </summary>
public sealed class Bmv2VipWriter(Bmv2Cli cli, string prefix)
{
    /// <returns>The commands of the write run (for the log and tests).</returns>
    public async Task<IReadOnlyList<string>> WriteAsync(Bmv2WatchedSwitch sw, Bmv2VipVariant variant, CancellationToken ct)
    {
        var slots = variant.WritesSpareGroup ? sw.SpareMembers : 0;
        var query = new Bmv2Commands().DumpRoute(prefix);
        foreach (var group in sw.SpareGroups)
        {
            for (var index = 0; index < slots; index++) query.DumpMember(group, index);
        }
        var answers = Bmv2EntryDump.ParseAll(await cli.QueryAsync(sw.Name, sw.ThriftPort, query.Text, ct), query.Lines.Count);
        var route = answers[0];

        var write = new Bmv2Commands();
        var target = variant.Group ?? 0;
        if (variant.WritesSpareGroup)
        {
            var current = route is { Action: Bmv2Commands.GroupAction } ? route.FirstParameter : -1;
            var spare = current == sw.SpareGroups[0] ? 1 : 0;
            target = sw.SpareGroups[spare];
            for (var index = 0; index < slots; index++)
            {
                var existing = answers[1 + spare * slots + index];
                if (index < variant.Members.Length)
                {
                    if (existing is null) write.AddMember(target, index, variant.Members[index]);
                    else write.ModifyMember(existing.Handle, variant.Members[index]);
                }
                else if (existing is not null)
                {
                    write.DeleteMember(existing.Handle);
                }
            }
        }
        if (route is null) write.AddRoute(prefix, variant, target);
        else write.ModifyRoute(route.Handle, variant, target);
        await cli.RunAsync(sw.Name, sw.ThriftPort, write.Text, ct);
        return write.Lines;
    }
}
