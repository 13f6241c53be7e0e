using Microsoft.Win32.SafeHandles;

namespace Lb.Engine.Interop;

/// <summary>
/// A socket file descriptor that close()s itself once nothing uses it any more: a packet loop holding a reference
/// (DangerousAddRef, or any P/Invoke taking this type) keeps the number from being closed and reused under it. As
/// dotnet/runtime's SafeSocketHandle: -1 is invalid, 0 is a valid descriptor.
/// </summary>
internal sealed class SafeSocketFd : SafeHandleMinusOneIsInvalid
{
    /// <summary>For the P/Invoke marshaller (socket() returns one).</summary>
    public SafeSocketFd() : base(ownsHandle: true)
    {
    }

    /// <summary>The descriptor number, for a struct the kernel reads (pollfd); only while a reference is held.</summary>
    public int DangerousGetFd() => (int)DangerousGetHandle();

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;
}
