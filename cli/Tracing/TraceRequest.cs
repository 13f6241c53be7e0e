using Lbdeploy.Common;
using Lbdeploy.Commands;

namespace Lbdeploy.Tracing;

/// <summary>
/// What `lbdeploy trace` was asked: the client host and, optionally, the protocol and ports of the flow. Missing
/// values get defaults (<see cref="FlowTracer"/> resolves them against the plan): the protocol of the VIP's first
/// port, source port <see cref="DefaultSourcePort"/>, destination port the VIP's first port of that protocol.
/// </summary>
public sealed record TraceRequest(string From, string? Protocol = null, int? SourcePort = null, int? DestinationPort = null)
{
    /// <summary>A fixed ephemeral port, so the same command always traces the same flow.</summary>
    public const int DefaultSourcePort = 40000;

    public static readonly IReadOnlyList<string> Protocols = ["tcp", "udp", "icmp"];
}

/// <summary>A trace that cannot be computed as asked (unknown host, a port the VIP does not serve...): one line with the fix.</summary>
public sealed class TraceException(string message) : LbdeployException(message);
