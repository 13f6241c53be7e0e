namespace Lb.Core.Flows;

/// <summary>How a packet's <see cref="FlowKey"/> was derived; decides which VIP rule applies to it.</summary>
public enum FlowClass
{
    /// <summary>An unfragmented TCP or UDP packet: keyed by the 5-tuple.</summary>
    Transport,
    /// <summary>An IP fragment (first or later): keyed by source, destination and protocol.</summary>
    Fragment,
    /// <summary>ICMP echo request or reply: keyed by source, destination and echo identifier.</summary>
    IcmpEcho,
    /// <summary>An ICMP error about a flow: keyed by the embedded header reversed, i.e. the original flow's key.</summary>
    IcmpError,
    /// <summary>Anything else: keyed by source, destination and protocol.</summary>
    Other,
}
