using Lb.Core.Packets;

namespace Lb.Engine.Policy;

/// <summary>
/// Packet counters of one packet thread (a mux with several has one each; <see cref="Sum"/> adds them up). Written by that thread only (plain increments, no interlocked cost);
/// the control thread reads them, so a stats reply may be a few packets behind but never torn on 64-bit.
/// Invariant: PacketsIn == Forwarded + sum(Drops).
/// </summary>
public sealed class EngineCounters
{
    public long PacketsIn;
    public long BytesIn;
    public long PacketsOut;
    public long BytesOut;
    public long Forwarded;
    public long DsrViolations;
    public long IcmpSent;
    public long ChecksumsFinished;
    /// <summary>Mux: packets sent with the second-chance option (their slot had earlier owners).</summary>
    public long SecondChanceMarked;
    public readonly long[] Drops = new long[DropReasons.Count];

    public long TotalDrops
    {
        get
        {
            long total = 0;
            foreach (var count in Drops) total += count;
            return total;
        }
    }

    public void Drop(DropReason reason) => Drops[(int)reason]++;

    /// <summary>A packet the handler forwarded could not be sent: move it from forwarded to the send_failed drops.</summary>
    public void SendFailed()
    {
        Forwarded--;
        Drops[(int)DropReason.SendFailed]++;
    }

    /// <summary>The counters of several packet threads added up, read as <see cref="DropsByName"/> reads them (a snapshot).</summary>
    public static EngineCounters Sum(IEnumerable<EngineCounters> parts)
    {
        var sum = new EngineCounters();
        foreach (var part in parts)
        {
            sum.PacketsIn += Volatile.Read(ref part.PacketsIn);
            sum.BytesIn += Volatile.Read(ref part.BytesIn);
            sum.PacketsOut += Volatile.Read(ref part.PacketsOut);
            sum.BytesOut += Volatile.Read(ref part.BytesOut);
            sum.Forwarded += Volatile.Read(ref part.Forwarded);
            sum.DsrViolations += Volatile.Read(ref part.DsrViolations);
            sum.IcmpSent += Volatile.Read(ref part.IcmpSent);
            sum.ChecksumsFinished += Volatile.Read(ref part.ChecksumsFinished);
            sum.SecondChanceMarked += Volatile.Read(ref part.SecondChanceMarked);
            for (var i = 0; i < sum.Drops.Length; i++) sum.Drops[i] += Volatile.Read(ref part.Drops[i]);
        }
        return sum;
    }

    public Dictionary<string, long> DropsByName()
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var reason in DropReasons.All) result[DropReasons.Name(reason)] = Volatile.Read(ref Drops[(int)reason]);
        return result;
    }
}
