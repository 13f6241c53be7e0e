using System.Globalization;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Core.Stats;

namespace Lb.Engine.Mux;

/// <summary>
/// The control socket's read-only questions about a mux's flows (`conns`, `lookup`), answered from a state snapshot
/// and the connection tables (one per packet thread), from the control thread while the packet threads write: a table
/// is read without a lock (<see cref="ConnectionTable"/>), never changed, so a query neither refreshes a flow nor expires one.
/// </summary>
public static class MuxQueries
{
    /// <summary>Up to <paramref name="limit"/> live flows of all <paramref name="tables"/>, most recently used first.</summary>
    public static ConnectionsReply Connections(string host, MuxState state, IReadOnlyList<ConnectionTable> tables, int limit)
    {
        var snapshots = tables.Select(t => t.Snapshot(limit)).ToList();
        var live = snapshots.Sum(s => s.Live);
        var entries = snapshots.SelectMany(s => s.Entries).OrderBy(e => e.Idle).Take(limit).ToList();
        return new ConnectionsReply
        {
            Host = host,
            Limit = limit,
            Live = live,
            Truncated = entries.Count < live,
            Connections = [.. entries.Select(e => RowOf(e, state))],
        };
    }

    /// <summary>
    /// Where the flow's next packet (not a SYN, which always follows Maglev) goes, as <see cref="MuxPacketHandler"/>
    /// decides it: the connection table's DIP while it is in the pool and not down, else Maglev's; and the second
    /// chance's alternates it carries (none when this mux sent the flow's SYN to that DIP). Null with
    /// <paramref name="error"/> when the mux would not balance the flow at all (not a VIP, a port it does not serve).
    /// </summary>
    public static FlowLookupReply? Lookup(string host, MuxState state, IReadOnlyList<ConnectionTable> tables, in FlowKey flow, out string? error)
    {
        error = null;
        var destination = flow.DestinationAddress;
        if (state.Vips.Find(flow.Destination) is not { } vip)
        {
            error = $"{destination} is not a VIP of this mux (its VIPs: {string.Join(", ", state.Vips.All.Select(v => new Ipv4Address(v.Address)))}); the mux does not balance that flow";
            return null;
        }
        if (!vip.ServesPort(flow.Protocol, flow.DestinationPort))
        {
            error = string.Create(CultureInfo.InvariantCulture, $"VIP {destination} does not serve {IpProtocol.Name(flow.Protocol)} port {flow.DestinationPort}; the mux drops that flow (unserved_port)");
            return null;
        }
        var text = FlowQuery.Format(flow);
        var hash = FlowHash.Compute(flow, state.Seed);
        if (Peek(tables, flow, hash, out var entry) && state.FindDip((uint)entry.Value) is { Down: false } kept)
        {
            return new FlowLookupReply
            {
                Host = host, Flow = text, Source = FlowLookupReply.FromConnectionTable, Dip = kept.Name, DipAddress = kept.Config.Address.ToString(),
                AgeMs = (long)entry.Age.TotalMilliseconds, IdleMs = (long)entry.Idle.TotalMilliseconds,
                Alternates = entry.Opened ? [] : Alternates(state, flow, hash, kept),
            };
        }
        var index = state.Table.Lookup(hash);
        if (index < 0) return new FlowLookupReply { Host = host, Flow = text, Source = FlowLookupReply.NoBackend };
        var dip = state.Dips[index];
        return new FlowLookupReply
        {
            Host = host, Flow = text, Source = FlowLookupReply.FromMaglev, Dip = dip.Name, DipAddress = dip.Config.Address.ToString(),
            Alternates = Alternates(state, flow, hash, dip),
        };
    }

    /// <summary>The flow's entry in whichever table holds it (a packet thread's own: the kernel's fanout keeps a flow on one thread).</summary>
    private static bool Peek(IReadOnlyList<ConnectionTable> tables, in FlowKey flow, uint hash, out ConnectionEntry entry)
    {
        foreach (var table in tables)
        {
            if (table.TryPeek(flow, hash, out entry)) return true;
        }
        entry = default;
        return false;
    }

    /// <summary>What a TCP non-SYN packet of the flow sent to <paramref name="dip"/> would carry in its option (none for UDP).</summary>
    private static IReadOnlyList<FlowAlternate> Alternates(MuxState state, in FlowKey flow, uint hash, DipRuntime dip)
    {
        if (flow.Protocol != IpProtocol.Tcp || state.History is not { } history) return [];
        Span<uint> addresses = stackalloc uint[EngineLimits.MaxAlternates];
        Span<int> versions = stackalloc int[EngineLimits.MaxAlternates];
        var count = state.SecondChanceAlternates(hash, dip.Address, addresses, versions);
        var alternates = new FlowAlternate[count];
        for (var i = 0; i < count; i++)
        {
            var version = history.Versions[versions[i]];
            alternates[i] = new FlowAlternate(state.FindDip(addresses[i])?.Name, new Ipv4Address(addresses[i]).ToString(),
                version.RetiredAt, (long)history.AgeOf(version).TotalMilliseconds);
        }
        return alternates;
    }

    private static ConnectionRow RowOf(in ConnectionEntry entry, MuxState state)
    {
        var key = entry.Key;
        var address = (uint)entry.Value;
        return new ConnectionRow(IpProtocol.Name(key.Protocol),
            string.Create(CultureInfo.InvariantCulture, $"{key.SourceAddress}:{key.SourcePort}"),
            string.Create(CultureInfo.InvariantCulture, $"{key.DestinationAddress}:{key.DestinationPort}"),
            state.FindDip(address)?.Name, new Ipv4Address(address).ToString(),
            (long)entry.Age.TotalMilliseconds, (long)entry.Idle.TotalMilliseconds);
    }
}
