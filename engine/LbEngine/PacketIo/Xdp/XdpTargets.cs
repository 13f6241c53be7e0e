namespace Lb.Engine.PacketIo.Xdp;

/// <summary>How an address in the XDP program's <c>lb_targets</c> map matches (the LB_MATCH_* bits of engine/xdp/lb_steer.bpf.c).</summary>
[Flags]
internal enum XdpMatch : uint
{
    /// <summary>Any IPv4 frame to the address (a mux's VIP).</summary>
    Destination = 1,
    /// <summary>Any IPv4 frame from the address (the mux counts VIP-sourced frames as DSR violations, as on its rings).</summary>
    Source = 2,
    /// <summary>IP-in-IP to the address (an agent's own address).</summary>
    IpInIp = 4,
}
