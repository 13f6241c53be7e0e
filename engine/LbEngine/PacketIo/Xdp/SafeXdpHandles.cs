using System.Runtime.InteropServices;
using Lb.Engine.Interop;

namespace Lb.Engine.PacketIo.Xdp;

/// <summary>A libxdp program (struct xdp_program), detached from its interface (if attached) and closed on release.</summary>
internal sealed class SafeXdpProgram : SafeHandle
{
    public SafeXdpProgram(nint program) : base(0, ownsHandle: true) => SetHandle(program);

    public override bool IsInvalid => handle == 0;

    /// <summary>Where the program is attached, for the detach on release; 0 while it is not.</summary>
    public int AttachedIfIndex { get; set; }

    public LibXdp.AttachMode AttachedMode { get; set; }

    protected override bool ReleaseHandle()
    {
        if (AttachedIfIndex != 0) LibXdp.xdp_program__detach(handle, AttachedIfIndex, AttachedMode, 0);
        LibXdp.xdp_program__close(handle);
        return true;
    }
}

/// <summary>An AF_XDP socket (struct xsk_socket): its rings are unmapped and its descriptor closed on release.</summary>
internal sealed class SafeXskSocket : SafeHandle
{
    public SafeXskSocket(nint socket) : base(0, ownsHandle: true) => SetHandle(socket);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibXdp.xsk_socket__delete(handle);
        return true;
    }
}

/// <summary>
/// The UMEM: the frame memory (page-aligned, from NativeMemory) and libxdp's registration of it (struct xsk_umem).
/// Released after the socket that uses it.
/// </summary>
internal sealed unsafe class SafeXskUmem : SafeHandle
{
    private readonly void* _area;

    public SafeXskUmem(void* area) : base(0, ownsHandle: true) => _area = area;

    // Valid from the allocation on: the memory is freed even when libxdp never registered it.
    public override bool IsInvalid => _area == null;

    public void SetUmem(nint umem) => SetHandle(umem);

    protected override bool ReleaseHandle()
    {
        if (handle != 0) LibXdp.xsk_umem__delete(handle);
        NativeMemory.AlignedFree(_area);
        return true;
    }
}
