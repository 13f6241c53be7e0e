using System.Runtime.InteropServices;

namespace Lb.Engine.Interop;

/// <summary>
/// Memory mapped with mmap(), unmapped with munmap() once nothing uses it (the kernel's packet rings). A SafeBuffer,
/// like dotnet/runtime's SafeMemoryMappedViewHandle: code that reads the mapping takes its pointer with
/// AcquirePointer and gives it back with ReleasePointer, so a Dispose from another thread waits for it.
/// </summary>
internal sealed unsafe class SafeMmapRegion : SafeBuffer
{
    /// <summary>For the P/Invoke marshaller (mmap() returns one; MAP_FAILED is -1, which is invalid).</summary>
    public SafeMmapRegion() : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => PacketSocket.munmap(handle, (nuint)ByteLength) == 0;
}
