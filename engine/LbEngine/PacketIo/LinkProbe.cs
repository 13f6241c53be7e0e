using Lb.Engine.Interop;

namespace Lb.Engine.PacketIo;

/// <summary>What the kernel says about an interface now. <see cref="IfIndex"/> 0: no interface of that name.</summary>
public readonly record struct LinkStatus(int IfIndex, bool Up, bool Running)
{
    public static readonly LinkStatus Gone = new(0, false, false);

    public bool Present => IfIndex != 0;

    /// <summary>Administratively up and with its carrier: frames can flow.</summary>
    public bool Usable => Present && Up && Running;

    public string Describe() => !Present ? "removed" : !Up ? "administratively down" : !Running ? "no carrier" : "up";
}

/// <summary>Asks about one interface; a fake in tests.</summary>
public interface ILinkProbe
{
    LinkStatus Probe(string interfaceName);
}

/// <summary>
/// if_nametoindex and SIOCGIFFLAGS in the engine's own network namespace (sysfs may show the namespace that mounted
/// it). IFF_RUNNING is the operational state: it drops with the carrier, e.g. when the veth's peer goes down.
/// </summary>
public sealed unsafe class KernelLinkProbe : ILinkProbe
{
    public static readonly KernelLinkProbe Instance = new();

    public LinkStatus Probe(string interfaceName)
    {
        if (interfaceName.Length >= Libc.IfNameSize) return LinkStatus.Gone;
        var index = (int)PacketSocket.if_nametoindex(interfaceName);
        if (index == 0) return LinkStatus.Gone;
        using var socket = Libc.socket(Libc.AfInet, Libc.SockDgram, 0);
        if (socket.IsInvalid) throw new IOException($"cannot open a socket to read {interfaceName}'s flags ({PacketSocket.LastError()})");
        var request = stackalloc byte[Libc.IfReqSize];
        new Span<byte>(request, Libc.IfReqSize).Clear();
        System.Text.Encoding.ASCII.GetBytes(interfaceName, new Span<byte>(request, Libc.IfNameSize - 1));
        // Removed between the two calls: ENODEV.
        if (Libc.ioctl(socket, Libc.SiocGifFlags, request) != 0) return LinkStatus.Gone;
        var flags = *(short*)(request + Libc.IfNameSize);
        return new LinkStatus(index, (flags & Libc.IffUp) != 0, (flags & Libc.IffRunning) != 0);
    }
}
