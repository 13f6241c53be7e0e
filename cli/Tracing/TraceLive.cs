using System.Collections.Immutable;

namespace Lbdeploy.Tracing;

/// <summary>
/// The live half of `trace --live`: one real packet sent from the client, captured (tcpdump) at every hop the
/// prediction names, compared header by header. <see cref="Matches"/> is true when every hop saw the predicted frame
/// and nothing differs; on linux an ECMP branch other than the assumed one is reported, not flagged (the trace
/// beside it is re-walked along the branches the packet took). <see cref="Seconds"/>: the whole live trace;
/// <see cref="WaitSeconds"/>: how long the captures ran once the packet was sent (they end as soon as every hop saw it,
/// at most <see cref="LiveTracer.CaptureSeconds"/>); <see cref="AllSeen"/>: they ended because every hop saw it, not at
/// that bound.
/// </summary>
public sealed record TraceLive(string Sender, double Seconds, double WaitSeconds, bool AllSeen, int Captures, ImmutableArray<LiveHop> Hops, bool Matches, ImmutableArray<string> Differences);

/// <summary>
/// One hop of one leg: the frame the prediction says crosses <see cref="Interface"/> of <see cref="Node"/>
/// (direction out: the node sends it; in: the leg's last host receives it) and the frame captured there, if any.
/// <see cref="Branch"/> describes the ECMP branch the packet took at a switch.
/// </summary>
public sealed record LiveHop(string Leg, string Node, string Interface, string Direction, TraceFrame Predicted, TraceFrame? Captured, string? Branch, ImmutableArray<string> Differences)
{
    public bool Ok => Captured is not null && Differences.IsEmpty;
}

/// <summary>The egress interface each switch used for each leg, as captured: leg kind -> switch -> interface.</summary>
public sealed class ObservedBranches
{
    private readonly Dictionary<(string Leg, string Switch), string> egress = [];

    public void Add(string leg, string switchName, string interfaceName) => egress.TryAdd((leg, switchName), interfaceName);

    public string? Egress(string leg, string switchName) => egress.GetValueOrDefault((leg, switchName));
}
