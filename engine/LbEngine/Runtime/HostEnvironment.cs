using Lb.Core.Addressing;
using Lb.Engine.Interop;

namespace Lb.Engine.Runtime;

/// <summary>Facts about the host the engine runs on (its network namespace), read from /sys and /proc.</summary>
public static class HostEnvironment
{
    public static bool IsRoot => Libc.geteuid() == 0;

    public static void RequireRoot(string role)
    {
        if (!IsRoot)
            throw new StartupException($"root is required (the {role} opens raw packet sockets); run lbengine as root, e.g. with sudo or from lbdeploy apply");
    }

    public static void RequireInterface(string name)
    {
        if (!Directory.Exists(Path.Combine("/sys/class/net", name)))
        {
            var present = Directory.Exists("/sys/class/net")
                ? string.Join(", ", Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).Order(StringComparer.Ordinal))
                : "none";
            throw new StartupException($"interface '{name}' does not exist in this network namespace (present: {present}); fix \"interface\" in the config or start lbengine inside the host (mnexec -a PID)");
        }
    }

    /// <summary>The MAC of an interface, from /sys/class/net/NAME/address.</summary>
    public static MacAddress InterfaceMac(string name)
    {
        var path = Path.Combine("/sys/class/net", name, "address");
        var text = File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        return MacAddress.TryParse(text, out var mac)
            ? mac
            : throw new StartupException($"cannot read the MAC address of '{name}' from {path}; set \"mac\" in the config");
    }

    /// <summary>
    /// The interface's MTU, asked of the kernel with SIOCGIFMTU (sysfs would show the namespace that mounted it, not
    /// ours); null if the interface is unknown.
    /// </summary>
    public static unsafe int? InterfaceMtu(string name)
    {
        using var socket = Libc.socket(Libc.AfInet, Libc.SockDgram, 0);
        if (socket.IsInvalid) return null;
        var request = stackalloc byte[Libc.IfReqSize];
        new Span<byte>(request, Libc.IfReqSize).Clear();
        var nameBytes = System.Text.Encoding.ASCII.GetBytes(name);
        if (nameBytes.Length >= Libc.IfNameSize) return null;
        nameBytes.CopyTo(new Span<byte>(request, Libc.IfNameSize));
        return Libc.ioctl(socket, Libc.SiocGifMtu, request) == 0 ? *(int*)(request + Libc.IfNameSize) : null;
    }

    /// <summary>
    /// Raises the calling thread's scheduling weight (nice -10; Linux schedules threads individually) so the packet
    /// thread keeps up when other processes compete for the CPU, instead of its ring overflowing. .NET's
    /// Thread.Priority does nothing on Linux. Returns false if the kernel refused (not root).
    /// </summary>
    public static bool RaisePacketThreadPriority() => Libc.setpriority(Libc.PrioProcess, Libc.gettid(), PacketThreadNice) == 0;

    public const int PacketThreadNice = -10;

    /// <summary>Whether reverse-path filtering is strict for packets arriving on the interface (max of "all" and its own).</summary>
    public static bool StrictReversePathFilter(string name)
    {
        static int Read(string path) => File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out var value) ? value : 0;
        return Math.Max(Read("/proc/sys/net/ipv4/conf/all/rp_filter"), Read(Path.Combine("/proc/sys/net/ipv4/conf", name, "rp_filter"))) == 1;
    }

    /// <summary>Whether the kernel forwards packets arriving on the interface (/proc/sys/net/ipv4/conf/NAME/forwarding).</summary>
    public static bool ForwardingEnabled(string name)
    {
        var path = Path.Combine("/proc/sys/net/ipv4/conf", name, "forwarding");
        return File.Exists(path) && File.ReadAllText(path).Trim() == "1";
    }

    /// <summary>Looks an address up in the kernel neighbour table (/proc/net/arp), complete entries only.</summary>
    public static MacAddress? NeighbourMac(Ipv4Address address, string interfaceName)
    {
        const string path = "/proc/net/arp";
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            // IP address  HW type  Flags  HW address  Mask  Device
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[0] != address.ToString() || fields[5] != interfaceName) continue;
            if (fields[2] != "0x2" && fields[2] != "0x6") continue; // ATF_COM (complete), optionally ATF_PERM
            if (MacAddress.TryParse(fields[3], out var mac) && mac.Value != 0) return mac;
        }
        return null;
    }
}
