using System.Runtime.InteropServices;

namespace Lb.Engine.Interop;

/// <summary>
/// libxdp (Debian's libxdp1: the XDP program loader with its multi-program dispatcher, and the AF_XDP socket set-up)
/// and the few libbpf calls it leaves to its caller (map updates). The rings' accessors are static inline in xsk.h;
/// PacketIo/Xdp/XskRings.cs is their C# form.
/// Functions returning an int return 0 or a negative errno.
/// </summary>
internal static unsafe partial class LibXdp
{
    public const string Library = "libxdp.so.1";
    public const string BpfLibrary = "libbpf.so.1";

    /// <summary>struct xsk_ring_prod / xsk_ring_cons (the same layout): what libxdp fills in when it maps a ring.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct XskRingLayout
    {
        public uint CachedProducer;
        public uint CachedConsumer;
        public uint Mask;
        public uint Size;
        public uint* Producer;
        public uint* Consumer;
        public void* Ring;
        public uint* Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct XskUmemConfig
    {
        public uint FillSize;
        public uint CompletionSize;
        public uint FrameSize;
        public uint FrameHeadroom;
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct XskSocketConfig
    {
        public uint RxSize;
        public uint TxSize;
        public uint LibXdpFlags;
        public uint XdpFlags;
        public ushort BindFlags;
    }

    /// <summary>struct xdp_desc: one frame in the receive or transmit ring.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct XdpDescriptor
    {
        public ulong Address;
        public uint Length;
        public uint Options;
    }

    /// <summary>struct xdp_statistics (getsockopt SOL_XDP, XDP_STATISTICS): running totals, not reset by a read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct XdpStatistics
    {
        public ulong RxDropped;
        public ulong RxInvalidDescriptors;
        public ulong TxInvalidDescriptors;
        public ulong RxRingFull;
        public ulong RxFillRingEmpty;
        public ulong TxRingEmpty;
    }

    /// <summary>xsk_socket_config.libxdp_flags: do not load libxdp's default program; we load our own.</summary>
    public const uint InhibitProgramLoad = 1;
    /// <summary>sockaddr_xdp flags (bind_flags).</summary>
    public const ushort XdpCopy = 1 << 1;
    public const ushort XdpZeroCopy = 1 << 2;
    public const ushort XdpUseNeedWakeup = 1 << 3;
    /// <summary>The ring's flags word: the kernel waits for a system call before it processes the ring.</summary>
    public const uint XdpRingNeedWakeup = 1;
    /// <summary>Bytes the kernel keeps in front of a received frame (XDP_PACKET_HEADROOM).</summary>
    public const int PacketHeadroom = 256;
    public const int SolXdp = 283;
    public const int XdpStatisticsOption = 7;
    public const int AfXdp = 44;

    /// <summary>enum xdp_attach_mode.</summary>
    public enum AttachMode
    {
        Unspecified = 0,
        Native = 1,
        Skb = 2,
    }

    [LibraryImport(Library)]
    public static partial int xsk_umem__create(out nint umem, void* area, ulong size, XskRingLayout* fill, XskRingLayout* completion, in XskUmemConfig config);

    [LibraryImport(Library)]
    public static partial int xsk_umem__delete(nint umem);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int xsk_socket__create(out nint socket, string interfaceName, uint queue, nint umem, XskRingLayout* rx, XskRingLayout* tx, in XskSocketConfig config);

    [LibraryImport(Library)]
    public static partial void xsk_socket__delete(nint socket);

    [LibraryImport(Library)]
    public static partial int xsk_socket__fd(nint socket);

    [LibraryImport(Library)]
    public static partial int xsk_socket__update_xskmap(nint socket, int mapFd);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint xdp_program__open_file(string path, string? section, nint options);

    [LibraryImport(Library)]
    public static partial void xdp_program__close(nint program);

    [LibraryImport(Library)]
    public static partial int xdp_program__attach(nint program, int ifIndex, AttachMode mode, uint flags);

    [LibraryImport(Library)]
    public static partial int xdp_program__detach(nint program, int ifIndex, AttachMode mode, uint flags);

    [LibraryImport(Library)]
    public static partial AttachMode xdp_program__is_attached(nint program, int ifIndex);

    [LibraryImport(Library)]
    public static partial nint xdp_program__bpf_obj(nint program);

    /// <summary>The program's name (a C string owned by the program).</summary>
    [LibraryImport(Library)]
    public static partial nint xdp_program__name(nint program);

    /// <summary>What is attached to an interface (null, or an ERR_PTR, when nothing or unreadable).</summary>
    [LibraryImport(Library)]
    public static partial nint xdp_multiprog__get_from_ifindex(int ifIndex);

    [LibraryImport(Library)]
    public static partial nint xdp_multiprog__main_prog(nint multiprog);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool xdp_multiprog__is_legacy(nint multiprog);

    [LibraryImport(Library)]
    public static partial int xdp_multiprog__detach(nint multiprog);

    [LibraryImport(Library)]
    public static partial void xdp_multiprog__close(nint multiprog);

    /// <summary>The error a returned pointer encodes (libxdp returns ERR_PTR values), or 0.</summary>
    [LibraryImport(Library)]
    public static partial long libxdp_get_error(nint pointer);

    /// <summary>Null silences libxdp's own messages (the engine logs one line of its own).</summary>
    [LibraryImport(Library)]
    public static partial nint libxdp_set_print(nint printFunction);

    [LibraryImport(BpfLibrary)]
    public static partial nint libbpf_set_print(nint printFunction);

    [LibraryImport(BpfLibrary, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_object__find_map_fd_by_name(nint bpfObject, string name);

    [LibraryImport(BpfLibrary)]
    public static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(BpfLibrary)]
    public static partial int bpf_map_delete_elem(int fd, void* key);

    /// <summary>getsockopt on a descriptor libxdp owns (the AF_XDP socket's statistics).</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, ref uint length);

    /// <summary>strerror of a negative errno as libxdp returns it.</summary>
    public static string ErrorText(long negativeErrno) => $"{Marshal.GetPInvokeErrorMessage((int)-negativeErrno)} (errno {-negativeErrno})";
}
